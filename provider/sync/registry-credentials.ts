import { RegistryCredential, RepositoryName } from "../clients/oci";
import { AuthMap } from "./config-schema";

/** Credentials for one auth key (`registry` or `registry/namespace`). */
export interface RegistryAccess {
  credential: RegistryCredential;
  insecure?: boolean;
}

export type AccessMap = Record<string, RegistryAccess>;

/** image-syncer's auth entries as typed credentials. */
export function accessFromAuthMap(auth: AuthMap = {}): AccessMap {
  return Object.fromEntries(
    Object.entries(auth).map(([key, entry]) => {
      const credential: RegistryCredential = entry.token
        ? { kind: "token", token: entry.token }
        : entry.username !== undefined
          ? { kind: "basic", username: entry.username, password: entry.password ?? "" }
          : { kind: "anonymous" };
      return [key.replace(/\/+$/, ""), { credential, insecure: entry.insecure }];
    }),
  );
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
