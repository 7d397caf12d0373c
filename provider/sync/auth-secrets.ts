import { ConfiguredSecrets, Redactor, secretRedactor } from "../validation";
import { AuthMap } from "./config-schema";

/**
 * The secrets an auth map holds (passwords, tokens, AccessKey secrets, service-account keys),
 * for one redactor every output of a run goes through: stderr, the log, the images files,
 * verify's table and JSON.
 */
export function authSecrets(auth: AuthMap | undefined): ConfiguredSecrets {
  const secrets: string[] = [];
  const logins: { username: string; password: string }[] = [];
  for (const entry of Object.values(auth ?? {})) {
    if (entry.username !== undefined && entry.password !== undefined) logins.push({ username: entry.username, password: entry.password });
    secrets.push(
      ...[entry.password, entry.token, entry.identityToken, entry.alicloud?.accessKeySecret, entry.alicloud?.securityToken].filter(
        (secret): secret is string => !!secret,
      ),
    );
    if (entry.google?.serviceAccountKey) secrets.push(entry.google.serviceAccountKey, ...privateKeyOf(entry.google.serviceAccountKey));
    if (entry.key) secrets.push(...pemSecrets(entry.key));
  }
  return { secrets, logins };
}

export function authRedactor(auth: AuthMap | undefined): Redactor {
  return secretRedactor(authSecrets(auth));
}

/** A PEM private key, whole and line by line: an error may quote a line of it without the rest. */
export function pemSecrets(pem: string): string[] {
  return [pem, ...pem.split("\n").filter((line) => line.length >= 16 && !line.startsWith("-----"))];
}

/** A service-account key's PEM, as pemSecrets says. */
function privateKeyOf(keyJson: string): string[] {
  try {
    const key = (JSON.parse(keyJson) as { private_key?: unknown }).private_key;
    return typeof key === "string" ? pemSecrets(key) : [];
  } catch {
    return [];
  }
}
