/**
 * What went wrong below HTTP (DNS, TCP, TLS, timeouts), in neutral words. Each client adds
 * its own advice on top (a registry may suggest `insecure`; a cloud API never should).
 */

const TLS_TRUST_CODES: readonly string[] = [
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "CERT_HAS_EXPIRED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
];

/** The first string `code` along an error's `cause` chain (undici wraps the socket's error). */
export function errorCode(error: unknown): string | undefined {
  const seen: unknown[] = [];
  let current = error as { code?: unknown; cause?: unknown } | undefined;
  while (current && typeof current === "object" && !seen.includes(current)) {
    seen.push(current);
    if (typeof current.code === "string") return current.code;
    current = current.cause as typeof current;
  }
  return undefined;
}

/** Whether the failure is a certificate the client does not trust (self-signed, expired, wrong name). */
export function isTlsTrustFailure(code: string | undefined): boolean {
  return code !== undefined && TLS_TRUST_CODES.includes(code);
}

/** A short phrase for a connection-level failure: "connection refused", "timed out connecting", ... */
export function describeNetworkError(code: string | undefined, error?: unknown): string {
  if (isTlsTrustFailure(code)) return `TLS certificate not trusted (${code})`;
  switch (code) {
    case "ECONNREFUSED":
      return "connection refused";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "host name does not resolve";
    case "ECONNRESET":
    case "UND_ERR_SOCKET":
      return "connection reset";
    case "UND_ERR_CONNECT_TIMEOUT":
      return "timed out connecting";
    case "UND_ERR_HEADERS_TIMEOUT":
      return "timed out waiting for a response";
    case "UND_ERR_BODY_TIMEOUT":
      return "timed out: the response body stopped flowing";
    default:
      return `request failed (${code ?? (error as Error | undefined)?.message ?? "unknown error"})`;
  }
}
