import { NAME_MISMATCH_CODE, UNKNOWN_CA_CODES, describeNameMismatch, isClientCertificateRefusal, isUnknownCa } from "./certificate-errors";

/**
 * What went wrong below HTTP (DNS, TCP, TLS, timeouts), in neutral words. Each client adds
 * its own advice on top (a registry may suggest `insecure`; a cloud API never should).
 */

const TLS_TRUST_CODES: readonly string[] = [...UNKNOWN_CA_CODES, "CERT_HAS_EXPIRED", NAME_MISMATCH_CODE];

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
  if (code === NAME_MISMATCH_CODE) return describeNameMismatch(error) ?? `TLS certificate not valid for this name (${code})`;
  if (isUnknownCa(code)) return `TLS certificate not trusted (${code}): its issuer is not a CA this client trusts`;
  if (isTlsTrustFailure(code)) return `TLS certificate not trusted (${code})`;
  if (isClientCertificateRefusal(code)) return `the server refused the TLS handshake over the client certificate (${code}): it wants one it accepts`;
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
