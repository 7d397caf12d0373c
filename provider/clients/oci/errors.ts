import { HttpError, HttpErrorDetails } from "../http";

/**
 * Typed errors of the registry client. Every error names the host it came from and,
 * when the registry said something, its status, error code and request id, so a
 * failed sync can be diagnosed from one line. None of them ever carries a credential.
 */

export { AbortedError, abortReason } from "../http";

/** `code` is the registry's own error code, e.g. MANIFEST_UNKNOWN, DENIED, TOOMANYREQUESTS. */
export type RegistryErrorDetails = HttpErrorDetails;

export class RegistryError extends HttpError {
  override name = "RegistryError";
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
