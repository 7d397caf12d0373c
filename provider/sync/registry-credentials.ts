import { RegistryCredential, RepositoryName } from "../clients/oci";
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
    Object.entries(auth).map(([key, entry]) => [key.replace(/\/+$/, ""), { credential: credentialOf(entry), insecure: entry.insecure }]),
  );
}

function credentialOf(entry: AuthEntry): RegistryCredential {
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
