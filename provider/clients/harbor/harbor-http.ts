import { setTimeout as sleep } from "node:timers/promises";
import { Agent, Dispatcher } from "undici";
import { describeNetworkError, errorCode } from "../oci/transport";
import { DEFAULT_RETRY_POLICY, RetryPolicy, isRetryableErrorCode, isRetryableStatus, parseRetryAfter, retryDelayMs } from "../oci/retry-policy";
import { HarborApiError, describeHarborError } from "./harbor-errors";
import { HarborConnection, apiBase } from "./harbor-connection";

/**
 * JSON over Harbor's REST API: Basic auth on every request and no cookies (Harbor enforces
 * CSRF only for requests carrying a session cookie, so a client without a cookie jar never
 * meets it), timeouts, bounded retries of idempotent calls on 429/5xx/resets, Harbor's
 * error body turned into a HarborApiError, `Location` ids and `X-Total-Count` paging.
 */

export interface HarborHttpOptions {
  retry?: RetryPolicy;
  /** Per request; Harbor answers API calls in well under a second, ping aside. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface HarborResponse<T> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | undefined>;
}

type Method = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";
const IDEMPOTENT: readonly Method[] = ["GET", "HEAD", "PUT", "DELETE"];
const PAGE_SIZE = 100;
/** A list longer than this is a paging bug (ours or the server's), not data. */
const MAX_PAGES = 1000;

export class HarborHttp {
  private readonly base: URL;
  private readonly dispatcher: Dispatcher;
  private readonly authorization: string;

  constructor(connection: HarborConnection, private readonly options: HarborHttpOptions = {}) {
    this.base = apiBase(connection);
    this.authorization = `Basic ${Buffer.from(`${connection.username}:${connection.password}`).toString("base64")}`;
    this.dispatcher = new Agent({
      connections: 8,
      headersTimeout: options.timeoutMs ?? 60_000,
      bodyTimeout: options.timeoutMs ?? 60_000,
      connect: { timeout: 10_000, rejectUnauthorized: !connection.insecure },
    });
  }

  get host(): string {
    return this.base.host;
  }

  /** `path` is relative to /api/v2.0/ ("registries/7"); `query` values are encoded here. */
  async request<T>(method: Method, path: string, options: { query?: Record<string, string | number | undefined>; body?: unknown; headers?: Record<string, string> } = {}): Promise<HarborResponse<T>> {
    const url = new URL(path.replace(/^\/+/, ""), this.base);
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    const call = `${method} ${url.pathname}`;
    const policy = this.options.retry ?? DEFAULT_RETRY_POLICY;
    for (let attempt = 0; ; attempt++) {
      let response: Dispatcher.ResponseData;
      try {
        response = await this.dispatcher.request({
          origin: url.origin,
          path: url.pathname + url.search,
          method,
          headers: {
            authorization: this.authorization,
            accept: "application/json",
            ...(options.body === undefined ? {} : { "content-type": "application/json" }),
            ...options.headers,
          },
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
          signal: this.options.signal,
        });
      } catch (error) {
        const code = errorCode(error);
        if (IDEMPOTENT.includes(method) && isRetryableErrorCode(code) && attempt < policy.maxRetries) {
          await this.wait(retryDelayMs(policy, attempt));
          continue;
        }
        throw new HarborApiError(`${url.host}: ${call}: ${describeNetworkError(code, error)}`, { host: url.host, call, code }, { cause: error });
      }
      const text = await response.body.text();
      const requestId = header(response.headers, "x-request-id");
      if (response.statusCode >= 300 && response.statusCode < 400) {
        // Not followed: a PUT or DELETE would be lost (or resent elsewhere with the password).
        const location = header(response.headers, "location");
        throw new HarborApiError(`${url.host}: ${call}: ${response.statusCode} redirect${location ? ` to ${location}` : ""}: set the Harbor URL to where it redirects (often https://)`, { host: url.host, call, status: response.statusCode });
      }
      if (response.statusCode < 400) {
        const isJson = String(response.headers["content-type"] ?? "application/json").includes("json");
        return { status: response.statusCode, body: (text && isJson ? JSON.parse(text) : text || undefined) as T, headers: response.headers };
      }
      if (IDEMPOTENT.includes(method) && isRetryableStatus(response.statusCode) && attempt < policy.maxRetries) {
        await this.wait(retryDelayMs(policy, attempt, parseRetryAfter(response.headers["retry-after"])));
        continue;
      }
      const { code, message } = describeHarborError(response.statusCode, text);
      throw new HarborApiError(`${url.host}: ${call}: ${response.statusCode}${code ? ` ${code}` : ""}: ${message}${requestId ? ` (request id ${requestId})` : ""}`, {
        host: url.host,
        call,
        status: response.statusCode,
        code,
        requestId,
      });
    }
  }

  async get<T>(path: string, query?: Record<string, string | number | undefined>, headers?: Record<string, string>): Promise<T> {
    return (await this.request<T>("GET", path, { query, headers })).body;
  }

  /** Creates a resource: Harbor answers 201 with no body and the new id at the end of `Location`. */
  async create(path: string, body: unknown): Promise<number> {
    const response = await this.request<unknown>("POST", path, { body });
    const location = header(response.headers, "location");
    const id = Number(location?.split("/").pop());
    if (!Number.isInteger(id)) throw new HarborApiError(`${this.host}: POST ${path}: expected the new id in Location, got ${JSON.stringify(location)}`, { host: this.host, call: `POST ${path}`, status: response.status });
    return id;
  }

  /** Every item of a paged list: page_size 100, until `X-Total-Count` items or a short page. */
  async list<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T[]> {
    const items: T[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const response = await this.request<T[]>("GET", path, { query: { ...query, page, page_size: PAGE_SIZE } });
      const batch = response.body ?? [];
      items.push(...batch);
      const total = Number(header(response.headers, "x-total-count"));
      if (batch.length < PAGE_SIZE || (Number.isFinite(total) && items.length >= total)) return items;
    }
    throw new HarborApiError(`${this.host}: GET ${path}: more than ${MAX_PAGES} pages`, { host: this.host, call: `GET ${path}` });
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private async wait(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.options.signal });
  }
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
