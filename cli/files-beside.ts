import { dirname, isAbsolute, resolve } from "node:path";
import type { AuthMap } from "../provider/sync";

/**
 * A relative path in a config file is beside that file, wherever the command runs from, as
 * docker's, skopeo's and kubeconfig's paths are: a CA, a client certificate and key, a
 * service-account key. Resolved once, where the file is read, so nothing later meets a
 * relative path.
 */

const TRUST_FILES = ["caFile", "certFile", "keyFile"] as const;

export function besideFile(file: string, path: string): string {
  return isAbsolute(path) ? path : resolve(dirname(file), path);
}

/** An auth map's trust files and service-account key files, beside `file`. */
export function authFilesBeside(auth: AuthMap | undefined, file: string): AuthMap | undefined {
  if (!auth) return auth;
  return Object.fromEntries(
    Object.entries(auth).map(([key, entry]) => {
      const beside = trustFilesBeside(entry, file);
      const keyFile = entry.google?.serviceAccountKeyFile;
      return [key, keyFile === undefined ? beside : { ...beside, google: { ...entry.google, serviceAccountKeyFile: besideFile(file, keyFile) } }];
    }),
  );
}

/**
 * A failover record as read, before it is checked: the sites' and the clients' CA files and
 * the readiness auth entries' files. Anything not shaped as expected is left for the check to name.
 */
export function recordFilesBeside(record: Record<string, unknown>, file: string): Record<string, unknown> {
  const sites = objectOrUndefined(record.sites);
  const readiness = objectOrUndefined(record.readiness);
  const auth = objectOrUndefined(readiness?.auth);
  return {
    ...record,
    ...(sites ? { sites: Object.fromEntries(Object.entries(sites).map(([name, site]) => [name, trustFilesBeside(site, file)])) } : {}),
    ...(record.clients !== undefined ? { clients: trustFilesBeside(record.clients, file) } : {}),
    ...(readiness && auth
      ? { readiness: { ...readiness, auth: Object.fromEntries(Object.entries(auth).map(([host, entry]) => [host, trustFilesBeside(entry, file)])) } }
      : {}),
  };
}

function trustFilesBeside<T>(entry: T, file: string): T {
  const fields = objectOrUndefined(entry);
  if (!fields) return entry;
  const moved = TRUST_FILES.filter((field) => typeof fields[field] === "string" && fields[field] !== "");
  if (moved.length === 0) return entry;
  return { ...fields, ...Object.fromEntries(moved.map((field) => [field, besideFile(file, fields[field] as string)])) } as T;
}

function objectOrUndefined(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
