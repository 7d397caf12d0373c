import { createSign } from "node:crypto";
import type { ServiceAccountKey } from "./service-account-key";

/**
 * The JWT-bearer grant's assertion (RFC 7523): a JWT the service account signs with its key,
 * RS256, asking for `scope` from the key's own token endpoint for at most an hour.
 */

/** Google accepts assertions valid for an hour at most. */
export const MAX_ASSERTION_LIFETIME_S = 3600;

export function jwtAssertion(key: ServiceAccountKey, scopes: readonly string[], nowSeconds: number): string {
  const header = { alg: "RS256", typ: "JWT", ...(key.privateKeyId ? { kid: key.privateKeyId } : {}) };
  const claims = { iss: key.clientEmail, scope: scopes.join(" "), aud: key.tokenUri.href, iat: nowSeconds, exp: nowSeconds + MAX_ASSERTION_LIFETIME_S };
  const unsigned = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const signature = createSign("RSA-SHA256").update(unsigned).sign(key.privateKey);
  return `${unsigned}.${base64url(signature)}`;
}

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString("base64url");
}
