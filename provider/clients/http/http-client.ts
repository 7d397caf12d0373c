import { setTimeout as sleep } from "node:timers/promises";
import { AgentPool, ConnectionOptions } from "./agent-pool";
import { HostRoutes, routeFor } from "./host-routes";
import { AbortedError, HttpError, abortReason } from "./http-error";
import { AttemptOutcome, HttpRequest, HttpResponse, RetryPredicate, TextResponse, TransportFailure, isReplayable } from "./http-request";
import { describeNetworkError, errorCode } from "./network-errors";
import { RequestStats } from "./request-stats";
import { isTransientOutcome } from "./retry-predicates";
import { untilAborted } from "./until-aborted";
import { DEFAULT_RETRY_POLICY, RetryPolicy, isRetryableErrorCode, parseRetryAfter, retryDelayMs } from "./retry-policy";

/**
 * The one HTTP client every API client sends through: keep-alive pools per origin,
 * timeouts, bounded retries with backoff that honour `Retry-After`, cancellation that
 * always surfaces as AbortedError, and request counters. A client brings only what is
 * its own: which outcomes are safe to repeat, per-attempt headers (signing) and how a
 * failure is worded.
 */

export interface HttpClientOptions extends ConnectionOptions {
  retry?: Partial<RetryPolicy>;
  /** Cancels every request of this client (a run's deadline, a shutdown). */
  signal?: AbortSignal;
  /** Which outcomes to repeat; default: transient ones. A streamed body is never repeated whatever this says. */
  retryable?: RetryPredicate;
  /** Builds the error for a request that failed below HTTP; default: an HttpError with the neutral description. */
  failure?: (failure: TransportFailure) => Error;
  /** Per host: CAs, client certificate, the address to connect to. */
  routes?: HostRoutes;
}

const REDIRECT_STATUSES: readonly number[] = [301, 302, 303, 307, 308];
const MAX_REDIRECTS = 5;

export class HttpClient {
  readonly stats = new RequestStats();
  private readonly retry: RetryPolicy;
  private readonly agents: AgentPool;

  constructor(private readonly options: HttpClientOptions = {}) {
    this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.agents = new AgentPool(options);
  }

  /** Sends with retries; the body streams: the caller must consume or dump it. */
  send(request: HttpRequest): Promise<HttpResponse> {
    return this.withRetries(
      request,
      async (response) => response,
      (response) => response.body.dump(),
    );
  }

  /** Sends with retries and reads the whole answer as text (JSON APIs). */
  sendText(request: HttpRequest): Promise<TextResponse> {
    if (typeof request.body === "string" || Buffer.isBuffer(request.body)) this.stats.bytesUploaded += Buffer.byteLength(request.body);
    return this.withRetries(
      request,
      async (response) => {
        const text = await response.body.text();
        this.stats.bytesDownloaded += Buffer.byteLength(text);
        return { status: response.status, headers: response.headers, text, url: response.url };
      },
      async () => {},
    );
  }

  async close(): Promise<void> {
    await this.agents.close(this.options.signal?.aborted === true);
  }

  private async withRetries<R extends { status: number; headers: HttpResponse["headers"]; text?: string }>(
    request: HttpRequest,
    read: (response: HttpResponse) => Promise<R>,
    discard: (response: R) => Promise<void>,
  ): Promise<R> {
    const maxRetries = isReplayable(request.body) ? (request.maxRetries ?? this.retry.maxRetries) : 0;
    const signal = this.signalOf(request);
    for (let attempt = 0; ; attempt++) {
      let result: R;
      try {
        result = await read(await this.attempt(request, attempt, signal));
      } catch (error) {
        if (error instanceof AbortedError || error instanceof HttpError) throw error;
        if (signal?.aborted) throw aborted(request, "cancelled", signal);
        const code = errorCode(error);
        if (attempt < maxRetries && this.shouldRetry(request, { kind: "network", code, error })) {
          await wait(request, retryDelayMs(this.retry, attempt), signal);
          continue;
        }
        throw this.failure({
          request,
          host: request.url.host,
          call: callOf(request),
          code,
          description: describeNetworkError(code, error),
          retryable: isRetryableErrorCode(code),
          cause: error,
        });
      }
      if (attempt < maxRetries && this.shouldRetry(request, { kind: "response", status: result.status, headers: result.headers, text: result.text })) {
        await discard(result);
        await wait(request, retryDelayMs(this.retry, attempt, parseRetryAfter(result.headers["retry-after"])), signal);
        continue;
      }
      return result;
    }
  }

  private shouldRetry(request: HttpRequest, outcome: AttemptOutcome): boolean {
    return this.options.retryable ? this.options.retryable(request, outcome) : isTransientOutcome(outcome);
  }

  /** One attempt: the request, then any redirects it is allowed to follow. */
  private async attempt(request: HttpRequest, attempt: number, signal: AbortSignal | undefined): Promise<HttpResponse> {
    let url = request.url;
    let method = request.method;
    let headers = { ...request.headers, ...request.prepare?.(attempt) };
    let body = request.body;
    for (let hop = 0; ; hop++) {
      this.stats.countRequest(hop === 0 ? request.kind : `${request.kind}.redirect`);
      if (hop === 0 && attempt > 0) this.stats.countRetry();
      // undici closes the connection after every HEAD unless told not to (`reset: false`), in case
      // a server sends a body anyway; registries answer manifest checks with HEAD, hundreds per
      // sync, and each would cost a new TCP (and TLS) handshake.
      const reset = method === "HEAD" ? false : undefined;
      // undici (8.x) looks at a request's signal only once it has a connection: a request to a
      // peer that accepts TCP and never completes the TLS handshake waits out the connect
      // timeout, even with a signal aborted before it was sent. The caller is answered at the
      // abort; the request left behind is torn down with the agents (`close` of a cancelled
      // client destroys them), a response that comes anyway has its body released.
      const raw = await untilAborted(
        this.agents.request(
          request.insecure === true,
          { origin: url.origin, path: url.pathname + url.search, method, headers, body, signal, reset },
          routeFor(this.options.routes, url),
        ),
        signal,
        (late) => late.body.destroy(),
      );
      const location = raw.headers.location;
      if (!request.followRedirects || !REDIRECT_STATUSES.includes(raw.statusCode) || typeof location !== "string") {
        return { status: raw.statusCode, headers: raw.headers, body: raw.body, url };
      }
      await raw.body.dump();
      if (hop >= MAX_REDIRECTS) throw this.failure(this.redirectFailure(request, `more than ${MAX_REDIRECTS} redirects`));
      if (!isReplayable(body)) throw this.failure(this.redirectFailure(request, `${method} ${url.pathname} was redirected; a streamed body cannot be re-sent`));
      const next = URL.canParse(location, url.href) ? new URL(location, url) : undefined;
      if (next?.protocol !== "http:" && next?.protocol !== "https:")
        throw this.failure(this.redirectFailure(request, `redirected to ${JSON.stringify(location.slice(0, 120))}, which is not an http(s) URL`));
      // A credential is meant for the host it was issued for, never for where that host points;
      // a body can be one too (a token grant's refresh token), so it is never re-sent elsewhere.
      if (next.origin !== url.origin) {
        if (body !== undefined && raw.statusCode !== 303)
          throw this.failure(
            this.redirectFailure(request, `${method} ${url.pathname} was redirected to ${next.origin}; its body is only sent to ${url.origin}`),
          );
        headers = withoutAuthorization(headers);
      }
      if (raw.statusCode === 303) {
        method = "GET";
        body = undefined;
      }
      url = next;
    }
  }

  private redirectFailure(request: HttpRequest, description: string): TransportFailure {
    return { request, host: request.url.host, call: callOf(request), code: "REDIRECT", description, retryable: false };
  }

  private failure(failure: TransportFailure): Error {
    const error =
      this.options.failure?.(failure) ?? new HttpError(`${failure.host}: ${failure.call}: ${failure.description}`, failure, { cause: failure.cause });
    return error;
  }

  private signalOf(request: HttpRequest): AbortSignal | undefined {
    const client = this.options.signal;
    if (!request.signal) return client;
    return client ? AbortSignal.any([client, request.signal]) : request.signal;
  }
}

async function wait(request: HttpRequest, ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    throw aborted(request, "cancelled while waiting to retry", signal);
  }
}

function aborted(request: HttpRequest, what: string, signal: AbortSignal | undefined): AbortedError {
  return new AbortedError(`${request.url.host}: ${callOf(request)}: ${what}: ${abortReason(signal)}`);
}

/** "GET /v2/library/alpine/manifests/3.20": method and path, never the query (it may hold a signature). */
function callOf(request: HttpRequest): string {
  return `${request.method} ${request.url.pathname}`;
}

function withoutAuthorization(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== "authorization"));
}
