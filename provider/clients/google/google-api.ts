import { AttemptOutcome, HttpClient, HttpRequest, headerValue, isTransientOutcome } from "../http";
import type { GoogleAccessTokens } from "./access-tokens";
import { describeGoogleError, GoogleApiError } from "./google-errors";

/**
 * JSON over a Google REST API with the service account's access token. GETs are repeated on
 * 429/5xx and resets; a POST only on 429 (Google did not run it): a POST answered 5xx may have
 * been applied, and for a DNS change the next attempt's precondition would then fail anyway.
 */

export class GoogleApi {
  private readonly http: HttpClient;

  constructor(
    private readonly base: URL,
    private readonly tokens: GoogleAccessTokens,
    options: { signal?: AbortSignal; timeoutMs?: number } = {},
  ) {
    this.http = new HttpClient({
      signal: options.signal,
      connectionsPerOrigin: 4,
      headersTimeoutMs: options.timeoutMs ?? 30_000,
      bodyTimeoutMs: options.timeoutMs ?? 30_000,
      retryable: safeToRepeat,
    });
  }

  get host(): string {
    return this.base.host;
  }

  /** `path` is below the API's base, already encoded segment by segment (see `segment`). */
  async request<T>(method: "GET" | "POST", path: string, options: { query?: Record<string, string | undefined>; body?: unknown } = {}): Promise<T> {
    const url = new URL(`${this.base.pathname.replace(/\/$/, "")}/${path}`, this.base);
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(key, value);
    const call = `${method} ${url.pathname}`;
    const bearer = `Bearer ${(await this.tokens.token()).token}`;
    const response = await this.http.sendText({
      method,
      url,
      kind: call,
      headers: { authorization: bearer, accept: "application/json", ...(options.body === undefined ? {} : { "content-type": "application/json" }) },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    if (response.status === 401) this.tokens.forget();
    if (response.status >= 200 && response.status < 300) {
      try {
        return JSON.parse(response.text || "{}") as T;
      } catch {
        throw new GoogleApiError(`${url.host}: ${call}: the answer is not JSON`, { host: url.host, call, status: response.status });
      }
    }
    const problem = describeGoogleError(response.status, response.text);
    throw new GoogleApiError(`${url.host}: ${call}: ${response.status}${problem.code ? ` ${problem.code}` : ""}: ${problem.message}`, {
      host: url.host,
      call,
      status: response.status,
      code: problem.code,
      requestId: headerValue(response.headers, "x-goog-request-id") ?? headerValue(response.headers, "x-request-id"),
      retryable: response.status === 429 || response.status >= 500,
    });
  }

  close(): Promise<void> {
    return this.http.close();
  }
}

/** One path segment, checked and encoded: ids and names from answers never steer a URL elsewhere. */
export function segment(value: string, what: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/.test(value))
    throw new RangeError(`invalid ${what} ${JSON.stringify(value.slice(0, 80))}: expected letters, digits, . _ -`);
  return encodeURIComponent(value);
}

function safeToRepeat(request: HttpRequest, outcome: AttemptOutcome): boolean {
  if (request.method === "GET") return isTransientOutcome(outcome);
  return outcome.kind === "response" && outcome.status === 429;
}
