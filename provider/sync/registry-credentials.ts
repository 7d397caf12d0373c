import { readFileSync } from "node:fs";
import type { AcrInstanceAccess } from "../clients/alicloud/acr-temporary-login";
import { parseServiceAccountKey } from "../clients/google/service-account-key";
import type { TlsTrust } from "../clients/http";
import { RepositoryName } from "../clients/oci";
import { ConfigError, ConfigIssue } from "../validation";
import { AuthEntry, AuthMap } from "./config-schema";
import { trustOf } from "./registry-trust";

/**
 * Registry credentials are data, resolved when a request needs them: nothing here holds a
 * connection or a cached secret, so a credential can travel through config files and
 * Pulumi inputs and be turned into a login source (`loginSourceFor`) only inside a run.
 */
export type RegistryCredential =
  | { kind: "anonymous" }
  | { kind: "basic"; username: string; password: string }
  /** A registry token used as-is (`Authorization: Bearer`). */
  | { kind: "token"; token: string }
  /** An OAuth2 refresh token (docker's `identitytoken`): exchanged at the registry's bearer realm for access tokens. */
  | { kind: "identity-token"; identityToken: string }
  /** An ACR Enterprise instance: a RAM key exchanged for temporary logins (GetAuthorizationToken), renewed as they lapse. */
  | ({ kind: "alicloud" } & AcrInstanceAccess)
  /** Google Artifact Registry: a service-account key exchanged for access tokens (user oauth2accesstoken), renewed as they lapse. */
  | { kind: "google"; serviceAccountKey: string; clientEmail: string };

export const ANONYMOUS_CREDENTIAL: RegistryCredential = { kind: "anonymous" };

/** Credentials for one auth key (`registry` or `registry/namespace`). */
export interface RegistryAccess {
  credential: RegistryCredential;
  insecure?: boolean;
  /** CAs and client certificate for the registry's host. */
  trust?: TlsTrust;
}

export type AccessMap = Record<string, RegistryAccess>;

/**
 * image-syncer's auth entries as typed credentials. Keys are `registry[/namespace]`; one
 * written as a URL (`http://127.0.0.1:15002`, copied from a browser) is taken without its
 * scheme, `http://` meaning the registry is insecure, instead of silently matching nothing.
 */
export function accessFromAuthMap(auth: AuthMap = {}): AccessMap {
  const access: AccessMap = {};
  const written = new Map<string, string>();
  const issues: ConfigIssue[] = [];
  for (const [key, entry] of Object.entries(auth)) {
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(key)?.[1]?.toLowerCase();
    const name = key.slice(scheme ? scheme.length + 3 : 0).replace(/\/+$/, "");
    let insecure = entry.insecure;
    if (scheme !== undefined && scheme !== "http" && scheme !== "https") {
      issues.push({ path: ["auth", key], message: `expected a registry host (registry or registry/namespace), not a ${scheme}:// URL` });
      continue;
    }
    if (scheme === "http") {
      if (entry.insecure === false)
        issues.push({ path: ["auth", key], message: 'an http:// registry is insecure, but "insecure" is false: drop the scheme or the flag' });
      insecure = true;
    }
    const earlier = written.get(name);
    if (earlier !== undefined)
      issues.push({ path: ["auth", key], message: `names the same registry as auth[${JSON.stringify(earlier)}]: give its credentials once` });
    written.set(name, key);
    try {
      const trust = trustOf(entry, ["auth", key]);
      access[name] = { credential: credentialOf(entry, key), insecure, ...(trust ? { trust } : {}) };
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      issues.push(...error.issues);
    }
  }
  if (issues.length) throw new ConfigError(issues);
  return access;
}

/** image-syncer's Google login: this user name, and the base64 of a service-account key's JSON as password. */
export const GOOGLE_KEY_USER = "_oauth2_";

function credentialOf(entry: AuthEntry, key: string): RegistryCredential {
  if (entry.google) return googleCredential(entry.google, key);
  if (entry.username === GOOGLE_KEY_USER) return googleKeyLogin(entry.password ?? "", key);
  if (entry.token) return { kind: "token", token: entry.token };
  if (entry.identityToken) return { kind: "identity-token", identityToken: entry.identityToken };
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
      throw new ConfigError([
        { path, message: `cannot read ${JSON.stringify(google.serviceAccountKeyFile)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` },
      ]);
    }
  }
  return googleKeyCredential(text, path);
}

/**
 * `{username: "_oauth2_", password: <base64 key JSON>}`, as image-syncer takes for gcr.io: the
 * same access tokens as `google`, minted from the key. The base64 is checked strictly (a
 * lenient decoder turns a pasted JSON or a typo into garbage) and never quoted.
 */
function googleKeyLogin(password: string, authKey: string): RegistryCredential {
  const path = ["auth", authKey, "password"];
  const base64 = password.replace(/\s+/g, "");
  if (base64.length === 0 || base64.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) {
    throw new ConfigError([
      {
        path,
        message: `with username ${GOOGLE_KEY_USER}, expected the base64 of a service-account key's JSON file (base64 -w0 key.json); this is not base64 (not shown: it would hold the private key)`,
      },
    ]);
  }
  return googleKeyCredential(Buffer.from(base64, "base64").toString("utf8"), path);
}

function googleKeyCredential(text: string, path: (string | number)[]): RegistryCredential {
  try {
    return { kind: "google", serviceAccountKey: text, clientEmail: parseServiceAccountKey(text).clientEmail };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(error.issues.map((issue) => ({ ...issue, path: [...path, ...issue.path] })));
  }
}
