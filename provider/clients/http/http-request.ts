import type { IncomingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";
import type { Dispatcher } from "undici";

/** One logical request; the client may send it several times (retries, redirects). */
export interface HttpRequest {
  method: Dispatcher.HttpMethod;
  url: URL;
  headers?: Record<string, string>;
  /** Buffers and strings can be re-sent; a stream is sent once and never retried or redirected. */
  body?: Buffer | string | Readable;
  /** A label for request counters: "manifest.head", "POST registries", "AddZoneRecord", ... */
  kind: string;
  /** Skip TLS verification for this request (a registry with a self-signed certificate). */
  insecure?: boolean;
  /** Overrides the client's retry count, e.g. 0 for a probe whose failure is an answer. */
  maxRetries?: number;
  /** Headers computed afresh for every attempt (a signature with a nonce that may be used once). */
  prepare?: (attempt: number) => Record<string, string>;
  /** Follow 301/302/303/307/308 (dropping `Authorization` when leaving the origin); otherwise a redirect is returned as it is. */
  followRedirects?: boolean;
  /** Cancels this request only; the client's own signal cancels all of them. */
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Dispatcher.ResponseData["body"];
  /** Where the response finally came from, after redirects. */
  url: URL;
}

/** A response read to the end as text: what JSON APIs use, and what their retry predicates may look into. */
export interface TextResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  url: URL;
}

/** What one attempt came to, for a client's retry predicate. `text` is there for text requests only. */
export type AttemptOutcome =
  | { kind: "response"; status: number; headers: IncomingHttpHeaders; text?: string }
  | { kind: "network"; code: string | undefined; error: unknown };

/** Whether to send the request again after this outcome (bounds and replayability are checked by the client). */
export type RetryPredicate = (request: HttpRequest, outcome: AttemptOutcome) => boolean;

/** A request that failed below HTTP, or a redirect that could not be followed: each client words it its own way. */
export interface TransportFailure {
  request: HttpRequest;
  host: string;
  /** "GET /v2/": method and path of the request that failed. */
  call: string;
  code?: string;
  /** Neutral: "connection refused", "TLS certificate not trusted (...)", "more than 5 redirects". */
  description: string;
  retryable: boolean;
  cause?: unknown;
}

export function isReplayable(body: HttpRequest["body"]): boolean {
  return !(typeof body === "object" && body !== null && !Buffer.isBuffer(body) && typeof (body as Readable).pipe === "function");
}

/** A single header value (the first, when a server repeated it). */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
