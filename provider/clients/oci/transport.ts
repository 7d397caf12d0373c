import type { IncomingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { Agent, Dispatcher } from "undici";
import { AbortedError, NetworkError, RegistryError, abortReason } from "./errors";
import { DEFAULT_RETRY_POLICY, RetryPolicy, isRetryableErrorCode, isRetryableStatus, parseRetryAfter, retryDelayMs } from "./retry-policy";
import { TransportStats } from "./transport-stats";

/**
 * HTTP for the registry client: keep-alive pools per host (one undici Agent keeps a pool
 * per origin), timeouts on connect, headers and body idle time, bounded retries that
 * honour Retry-After, and redirects followed by hand so `Authorization` never leaves
 * the host it was meant for.
 *
 * Agents are created lazily and owned by the instance: nothing here is module state,
 * so a Pulumi dynamic provider that imports this module still serializes.
 */

export interface TransportOptions {
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  /** Longest silence while a body streams; long transfers are fine as long as bytes flow. */
  bodyTimeoutMs?: number;
  connectionsPerHost?: number;
  retry?: Partial<RetryPolicy>;
  /** Cancels every request of this transport (a run's deadline). */
  signal?: AbortSignal;
}

export interface HttpRequest {
  method: Dispatcher.HttpMethod;
  url: URL;
  headers?: Record<string, string>;
  /** Buffers and strings can be re-sent; a stream is sent once and never retried here. */
  body?: Buffer | string | Readable;
  /** Skip TLS verification (registries with self-signed certificates). */
  insecure?: boolean;
  /** A label for request counters: "manifest.head", "blob.put", ... */
  kind: string;
  /** Overrides the transport's retry count, e.g. 0 for a probe whose failure is an answer. */
  maxRetries?: number;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Dispatcher.ResponseData["body"];
  /** Where the response finally came from, after redirects. */
  url: URL;
}

// Lists, not Sets: see retry-policy.ts.
const REDIRECT_STATUSES: readonly number[] = [301, 302, 303, 307, 308];
const MAX_REDIRECTS = 5;

export class HttpTransport {
  readonly stats = new TransportStats();
  private readonly retry: RetryPolicy;
  private agents = new Map<boolean, Agent>();

  constructor(private readonly options: TransportOptions = {}) {
    this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  }

  async send(request: HttpRequest): Promise<HttpResponse> {
    const replayable = !isStream(request.body);
    const maxRetries = request.maxRetries ?? this.retry.maxRetries;
    for (let attempt = 0; ; attempt++) {
      const canRetry = replayable && attempt < maxRetries;
      let response: HttpResponse;
      try {
        response = await this.followRedirects(request);
      } catch (error) {
        if (canRetry && isRetryableErrorCode(errorCode(error))) {
          await this.wait(retryDelayMs(this.retry, attempt));
          continue;
        }
        throw this.translate(error, request.url);
      }
      if (canRetry && isRetryableStatus(response.status)) {
        await response.body.dump();
        await this.wait(retryDelayMs(this.retry, attempt, parseRetryAfter(response.headers["retry-after"])));
        continue;
      }
      return response;
    }
  }

  async close(): Promise<void> {
    const agents = [...this.agents.values()];
    this.agents.clear();
    await Promise.all(agents.map((agent) => agent.close()));
  }

  private async followRedirects(request: HttpRequest): Promise<HttpResponse> {
    let url = request.url;
    let method = request.method;
    let headers = { ...request.headers };
    let body = request.body;
    for (let hop = 0; ; hop++) {
      this.stats.countRequest(hop === 0 ? request.kind : `${request.kind}.redirect`);
      const raw = await this.agent(request.insecure === true).request({
        origin: url.origin,
        path: url.pathname + url.search,
        method,
        headers,
        body,
        signal: this.options.signal,
      });
      const location = raw.headers.location;
      if (!REDIRECT_STATUSES.includes(raw.statusCode) || typeof location !== "string") {
        return { status: raw.statusCode, headers: raw.headers, body: raw.body, url };
      }
      await raw.body.dump();
      if (hop >= MAX_REDIRECTS) {
        throw new RegistryError(`${request.url.host}: more than ${MAX_REDIRECTS} redirects for ${request.url.pathname}`, { host: request.url.host });
      }
      if (isStream(body)) {
        throw new RegistryError(`${request.url.host}: ${method} ${url.pathname} was redirected; a streamed body cannot be re-sent`, { host: request.url.host });
      }
      const next = new URL(location, url);
      if (next.origin !== url.origin) headers = withoutAuthorization(headers);
      if (raw.statusCode === 303) {
        method = "GET";
        body = undefined;
      }
      url = next;
    }
  }

  private agent(insecure: boolean): Agent {
    let agent = this.agents.get(insecure);
    if (!agent) {
      agent = new Agent({
        connections: this.options.connectionsPerHost ?? 16,
        headersTimeout: this.options.headersTimeoutMs ?? 60_000,
        bodyTimeout: this.options.bodyTimeoutMs ?? 120_000,
        keepAliveTimeout: 30_000,
        connect: { timeout: this.options.connectTimeoutMs ?? 10_000, rejectUnauthorized: !insecure },
      });
      this.agents.set(insecure, agent);
    }
    return agent;
  }

  private async wait(ms: number): Promise<void> {
    try {
      await sleep(ms, undefined, { signal: this.options.signal });
    } catch {
      throw new AbortedError("cancelled while waiting to retry");
    }
  }

  private translate(error: unknown, url: URL): Error {
    if (error instanceof RegistryError || error instanceof AbortedError) return error;
    if (this.options.signal?.aborted || (error as Error)?.name === "AbortError") {
      return new AbortedError(`${url.host}: cancelled: ${abortReason(this.options.signal)}`);
    }
    const code = errorCode(error);
    return new NetworkError(`${url.host}: ${describeNetworkError(code, error)}`, { host: url.host, code, retryable: isRetryableErrorCode(code) }, { cause: error });
  }
}

function isStream(body: HttpRequest["body"]): body is Readable {
  return typeof body === "object" && body !== null && !Buffer.isBuffer(body) && typeof (body as Readable).pipe === "function";
}

function withoutAuthorization(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== "authorization"));
}

export function errorCode(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current = error as { code?: unknown; cause?: unknown } | undefined;
  while (current && !seen.has(current)) {
    seen.add(current);
    if (typeof current.code === "string") return current.code;
    current = current.cause as typeof current;
  }
  return undefined;
}

const TLS_TRUST_CODES: readonly string[] = ["DEPTH_ZERO_SELF_SIGNED_CERT", "SELF_SIGNED_CERT_IN_CHAIN", "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "CERT_HAS_EXPIRED", "ERR_TLS_CERT_ALTNAME_INVALID", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY"];

export function describeNetworkError(code: string | undefined, error: unknown): string {
  if (code && TLS_TRUST_CODES.includes(code)) {
    return `TLS certificate not trusted (${code}); set "insecure": true for this registry to skip verification`;
  }
  switch (code) {
    case "ECONNREFUSED":
      return "connection refused: is the registry running and the port right?";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "host name does not resolve";
    case "UND_ERR_CONNECT_TIMEOUT":
      return "timed out connecting";
    case "UND_ERR_HEADERS_TIMEOUT":
      return "timed out waiting for a response";
    case "UND_ERR_BODY_TIMEOUT":
      return "timed out: the response body stopped flowing";
    default:
      return `request failed (${code ?? (error as Error)?.message ?? "unknown error"})`;
  }
}
