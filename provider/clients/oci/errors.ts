/**
 * Typed errors of the registry client. Every error names the host it came from and,
 * when the registry said something, its status, error code and request id, so a
 * failed sync can be diagnosed from one line. None of them ever carries a credential.
 */

export interface RegistryErrorDetails {
  host: string;
  status?: number;
  /** The registry's own error code, e.g. MANIFEST_UNKNOWN, DENIED, TOOMANYREQUESTS. */
  code?: string;
  requestId?: string;
  /** Whether repeating the same operation later may succeed. */
  retryable?: boolean;
}

export class RegistryError extends Error {
  override name = "RegistryError";
  readonly host: string;
  readonly status?: number;
  readonly code?: string;
  readonly requestId?: string;
  readonly retryable: boolean;

  constructor(message: string, details: RegistryErrorDetails, options?: { cause?: unknown }) {
    super(message, options);
    this.host = details.host;
    this.status = details.status;
    this.code = details.code;
    this.requestId = details.requestId;
    this.retryable = details.retryable ?? false;
  }
}

/** Credentials were missing or rejected. Never retried: a wrong password stays wrong. */
export class AuthError extends RegistryError {
  override name = "AuthError";
}

/** The host could not be reached at all (DNS, refused, TLS, timeout). */
export class NetworkError extends RegistryError {
  override name = "NetworkError";
}

/** Content did not hash to the digest it was addressed by. */
export class DigestMismatchError extends RegistryError {
  override name = "DigestMismatchError";
}

/** A manifest we cannot copy faithfully (schema 1, unknown media type, malformed JSON). */
export class UnsupportedManifestError extends RegistryError {
  override name = "UnsupportedManifestError";
}

/** The operation was cancelled by its caller's AbortSignal (deadline or shutdown). */
export class AbortedError extends Error {
  override name = "AbortedError";
}

/** Why a signal was aborted, as a phrase: the reason's message, without "Error:" in front. */
export function abortReason(signal: AbortSignal | undefined): string {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason.message;
  return reason === undefined ? "aborted" : String(reason);
}
