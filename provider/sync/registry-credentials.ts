import { readFileSync } from "node:fs";
import { parseServiceAccountKey } from "../clients/google/service-account-key";
import { RegistryCredential, RepositoryName } from "../clients/oci";
import { ConfigError } from "../validation";
import { AuthEntry, AuthMap } from "./config-schema";

/** Credentials for one auth key (`registry` or `registry/namespace`). */
export interface RegistryAccess {
  credential: RegistryCredential;
  insecure?: boolean;
}

export type AccessMap = Record<string, RegistryAccess>;

/** image-syncer's auth entries as typed credentials. */
export function accessFromAuthMap(auth: AuthMap = {}): AccessMap {
  return Object.fromEntries(
    Object.entries(auth).map(([key, entry]) => [key.replace(/\/+$/, ""), { credential: credentialOf(entry, key), insecure: entry.insecure }]),
  );
}

function credentialOf(entry: AuthEntry, key: string): RegistryCredential {
  if (entry.google) return googleCredential(entry.google, key);
  if (entry.token) return { kind: "token", token: entry.token };
  if (entry.username !== undefined) return { kind: "basic", username: entry.username, password: entry.password ?? "" };
  if (entry.alicloud) {
    const { instanceId, region, accessKeyId, accessKeySecret, securityToken, endpoint } = entry.alicloud;
    const accessKey = accessKeyId && accessKeySecret ? { accessKeyId, accessKeySecret, ...(securityToken ? { securityToken } : {}) } : undefined;
    return { kind: "alicloud", instanceId, region, ...(accessKey ? { accessKey } : {}), ...(endpoint ? { endpoint } : {}) };
  }
  return { kind: "anonymous" };
}

/** The auth key that applies to a repository: the longest `registry[/namespace]` prefix, as in image-syncer. */
export function accessKeyFor(access: AccessMap, name: RepositoryName): string | undefined {
  const full = `${name.registry}/${name.repository}`;
  let best: string | undefined;
  for (const key of Object.keys(access)) {
    if ((full === key || full.startsWith(`${key}/`)) && (!best || key.length > best.length)) best = key;
  }
  return best;
}

/** The key is read and checked now, so a bad one fails the check (naming the field), not the copy. */
function googleCredential(google: NonNullable<AuthEntry["google"]>, authKey: string): RegistryCredential {
  const field = google.serviceAccountKey !== undefined ? "serviceAccountKey" : "serviceAccountKeyFile";
  const path = ["auth", authKey, "google", field];
  let text = google.serviceAccountKey;
  if (text === undefined) {
    try {
      text = readFileSync(google.serviceAccountKeyFile!, "utf8");
    } catch (error) {
      throw new ConfigError([{ path, message: `cannot read ${JSON.stringify(google.serviceAccountKeyFile)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` }]);
    }
  }
  try {
    return { kind: "google", serviceAccountKey: text, clientEmail: parseServiceAccountKey(text).clientEmail };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(error.issues.map((issue) => ({ ...issue, path: [...path, ...issue.path] })));
  }
}
