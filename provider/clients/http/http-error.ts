/**
 * The error base of every API client: which host, which call, what the server answered
 * (status, its own error code, its request id) and whether trying again later may help.
 * Clients extend it with their own wording and fields; none ever carries a credential.
 */

export interface HttpErrorDetails {
  host: string;
  /** "POST /api/v2.0/registries", "pvtz AddZoneRecord": what was being done. */
  call?: string;
  status?: number;
  /** The server's own error code (MANIFEST_UNKNOWN, CONFLICT, Throttling.User) or a network error code (ECONNREFUSED). */
  code?: string;
  requestId?: string;
  /** Whether repeating the same operation later may succeed. */
  retryable?: boolean;
  /** How long the server asked to be left alone (`Retry-After`), for a caller that repeats the operation itself. */
  retryAfterMs?: number;
}

export class HttpError extends Error {
  override name = "HttpError";
  readonly host: string;
  readonly call?: string;
  readonly status?: number;
  readonly code?: string;
  readonly requestId?: string;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;

  constructor(message: string, details: HttpErrorDetails, options?: { cause?: unknown }) {
    super(message, options);
    this.host = details.host;
    this.call = details.call;
    this.status = details.status;
    this.code = details.code;
    this.requestId = details.requestId;
    this.retryable = details.retryable ?? false;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** The operation was cancelled by its caller's AbortSignal (deadline or shutdown): the one error every client raises for it. */
export class AbortedError extends Error {
  override name = "AbortedError";
}

/** Why a signal was aborted, as a phrase: the reason's message, without "Error:" in front. */
export function abortReason(signal: AbortSignal | undefined): string {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason.message;
  return reason === undefined ? "aborted" : String(reason);
}
