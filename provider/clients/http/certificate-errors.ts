/**
 * What a failed TLS handshake says about the certificates involved, in words a user can act
 * on: which names a server's certificate covers when it does not cover the one asked for,
 * and whether the server wanted a client certificate.
 */

/** The issuer is not a CA this client trusts (a private CA not given, a self-signed certificate). */
export const UNKNOWN_CA_CODES: readonly string[] = [
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_GET_ISSUER_CERT",
];

export const NAME_MISMATCH_CODE = "ERR_TLS_CERT_ALTNAME_INVALID";

/** The server refused the handshake over the client certificate: none given, or one it does not accept. */
const CLIENT_CERTIFICATE_CODES: readonly string[] = [
  "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED",
  "ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE",
  "ERR_SSL_SSL/TLS_ALERT_BAD_CERTIFICATE",
  "ERR_SSL_SSL/TLS_ALERT_CERTIFICATE_REQUIRED",
  "ERR_SSL_TLSV1_ALERT_UNKNOWN_CA",
  "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE",
  // OpenSSL 3's name for the same alert.
  "ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE",
  "ERR_SSL_TLSV1_ALERT_ACCESS_DENIED",
];

export function isUnknownCa(code: string | undefined): boolean {
  return code !== undefined && UNKNOWN_CA_CODES.includes(code);
}

export function isClientCertificateRefusal(code: string | undefined): boolean {
  return code !== undefined && CLIENT_CERTIFICATE_CODES.includes(code);
}

interface NameMismatch {
  /** The name asked for. */
  host?: string;
  /** "DNS:standby.example.com, IP Address:10.0.0.3", as the certificate lists them; empty when it lists none. */
  covered: string;
}

/** For a name mismatch: the name checked and the names the peer certificate covers (Node puts both on the error). */
export function nameMismatchOf(error: unknown): NameMismatch | undefined {
  const seen: unknown[] = [];
  let current = error as { code?: unknown; host?: unknown; cert?: { subjectaltname?: unknown; subject?: { CN?: unknown } }; cause?: unknown } | undefined;
  while (current && typeof current === "object" && !seen.includes(current)) {
    seen.push(current);
    if (current.code === NAME_MISMATCH_CODE) {
      const san = typeof current.cert?.subjectaltname === "string" ? current.cert.subjectaltname : "";
      const cn = typeof current.cert?.subject?.CN === "string" ? `CN=${current.cert.subject.CN}` : "";
      return { host: typeof current.host === "string" ? current.host : undefined, covered: (san || cn).slice(0, 500) };
    }
    current = current.cause as typeof current;
  }
  return undefined;
}

/** "not valid for registry.example.com: it covers DNS:standby.example.com" */
export function describeNameMismatch(error: unknown): string | undefined {
  const mismatch = nameMismatchOf(error);
  if (!mismatch) return undefined;
  const covered = mismatch.covered ? `it covers ${mismatch.covered.replace(/IP Address:/g, "IP:")}` : "it lists no names";
  return `TLS certificate not valid for ${mismatch.host ?? "this name"} (${covered})`;
}
