import {
  AttemptOutcome,
  HostRoutes,
  HttpClient,
  HttpRequest,
  RequestStats,
  RetryPolicy,
  TransportFailure,
  describeNetworkError,
  headerValue,
  isClientCertificateRefusal,
  isRetryableStatus,
  isTlsTrustFailure,
  isTransientOutcome,
  isUnknownCa,
  mergeRoutes,
} from "../http";
import { HarborApiError, describeHarborError } from "./harbor-errors";
import { HarborConnection, apiBase } from "./harbor-connection";
import { idFromLocation } from "./location-id";

/**
 * JSON over Harbor's REST API, on the shared HTTP layer: Basic auth on every request and
 * no cookies (Harbor enforces CSRF only for requests carrying a session cookie, so a client
 * without a cookie jar never meets it), retries of idempotent calls only (a repeated POST
 * could create a second project; a PATCH may rotate a secret twice), Harbor's error body
 * turned into a HarborApiError, `Location` ids and `X-Total-Count` paging.
 */

export interface HarborHttpOptions {
  retry?: RetryPolicy;
  /** Per request; Harbor answers API calls in well under a second, ping aside. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** A run's trust per host (`--cert-dir`), besides the connection's own. */
  routes?: HostRoutes;
}

export interface HarborResponse<T> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | undefined>;
}

type Method = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";
type Query = Record<string, string | number | undefined>;
const IDEMPOTENT: readonly string[] = ["GET", "HEAD", "PUT", "DELETE"];
const PAGE_SIZE = 100;
/** A list longer than this is a paging bug (ours or the server's), not data. */
const MAX_PAGES = 1000;

export class HarborHttp {
  private readonly base: URL;
  private readonly insecure: boolean;
  private readonly authorization: string;
  private readonly http: HttpClient;

  constructor(connection: HarborConnection, options: HarborHttpOptions = {}) {
    this.base = apiBase(connection);
    this.insecure = connection.insecure === true;
    this.authorization = `Basic ${Buffer.from(`${connection.username}:${connection.password}`).toString("base64")}`;
    this.http = new HttpClient({
      retry: options.retry,
      signal: options.signal,
      headersTimeoutMs: options.timeoutMs ?? 60_000,
      bodyTimeoutMs: options.timeoutMs ?? 60_000,
      connectionsPerOrigin: 8,
      retryable: idempotentAndTransient,
      failure: harborNetworkFailure,
      routes: mergeRoutes(options.routes, connection.trust ? { [this.base.host.toLowerCase()]: { trust: connection.trust } } : undefined),
    });
  }

  get host(): string {
    return this.base.host;
  }

  get stats(): RequestStats {
    return this.http.stats;
  }

  /** `path` is relative to /api/v2.0/ ("registries/7"); build its segments with `pathSegment`. `query` values are encoded here. */
  async request<T>(
    method: Method,
    path: string,
    options: { query?: Query; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<HarborResponse<T>> {
    const url = this.url(path, options.query);
    const call = `${method} ${url.pathname}`;
    const response = await this.http.sendText({
      method,
      url,
      kind: `${method} ${path.split("/")[0]}`,
      insecure: this.insecure,
      headers: {
        authorization: this.authorization,
        accept: "application/json",
        ...(options.body === undefined ? {} : { "content-type": "application/json" }),
        ...options.headers,
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const { status, headers, text } = response;
    if (status >= 300 && status < 400) {
      // Not followed: a PUT or DELETE would be lost (or resent elsewhere with the password).
      const location = headerValue(headers, "location");
      throw new HarborApiError(
        `${url.host}: ${call}: ${status} redirect${location ? ` to ${location}` : ""}: set the Harbor URL to where it redirects (often https://)`,
        { host: url.host, call, status },
      );
    }
    if (status < 400) return { status, body: parseAnswer<T>(text, headers, url.host, call, status), headers };
    const requestId = headerValue(headers, "x-request-id");
    const { code, message } = describeHarborError(status, text);
    throw new HarborApiError(`${url.host}: ${call}: ${status}${code ? ` ${code}` : ""}: ${message}${requestId ? ` (request id ${requestId})` : ""}`, {
      host: url.host,
      call,
      status,
      code,
      requestId,
      retryable: isRetryableStatus(status),
    });
  }

  async get<T>(path: string, query?: Query, headers?: Record<string, string>): Promise<T> {
    return (await this.request<T>("GET", path, { query, headers })).body;
  }

  /** Creates a resource: Harbor answers 201 with no body and the new id at the end of `Location`. */
  async create(path: string, body: unknown, headers?: Record<string, string>): Promise<number> {
    const response = await this.request<unknown>("POST", path, { body, headers });
    const collection = this.url(path);
    return idFromLocation(collection, headerValue(response.headers, "location"), {
      host: this.host,
      call: `POST ${collection.pathname}`,
      status: response.status,
    });
  }

  /** Every item of a paged list: page_size 100, until `X-Total-Count` items or a short page. */
  async list<T>(path: string, query: Query = {}, headers?: Record<string, string>): Promise<T[]> {
    const items: T[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const response = await this.request<T[]>("GET", path, { query: { ...query, page, page_size: PAGE_SIZE }, headers });
      const batch = response.body ?? [];
      if (!Array.isArray(batch))
        throw new HarborApiError(`${this.host}: GET ${path}: expected a JSON array, got ${typeof batch}`, {
          host: this.host,
          call: `GET ${path}`,
          status: response.status,
        });
      items.push(...batch);
      const total = Number(headerValue(response.headers, "x-total-count"));
      if (batch.length < PAGE_SIZE || (Number.isFinite(total) && items.length >= total)) return items;
    }
    throw new HarborApiError(`${this.host}: GET ${path}: more than ${MAX_PAGES} pages`, { host: this.host, call: `GET ${path}` });
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private url(path: string, query: Query = {}): URL {
    const url = new URL(path.replace(/^\/+/, ""), this.base);
    for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, String(value));
    return url;
  }
}

/** One path segment from a name or id: encoded, and never a dot segment that would climb the path. */
export function pathSegment(value: string | number): string {
  const text = String(value);
  if (text === "" || text === "." || text === "..") throw new Error(`${JSON.stringify(text)} cannot be a Harbor name or id in a URL path`);
  return encodeURIComponent(text);
}

function idempotentAndTransient(request: HttpRequest, outcome: AttemptOutcome): boolean {
  return IDEMPOTENT.includes(request.method) && isTransientOutcome(outcome);
}

function harborNetworkFailure(failure: TransportFailure): Error {
  return new HarborApiError(
    `${failure.host}: ${failure.call}: ${describeNetworkError(failure.code, failure.cause)}${adviceFor(failure.code)}`,
    { host: failure.host, call: failure.call, code: failure.code, retryable: failure.retryable },
    { cause: failure.cause },
  );
}

/** What a Harbor user can do about a failure below HTTP: trust is given with the connection, never by turning verification off first. */
function adviceFor(code: string | undefined): string {
  if (code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EAI_AGAIN") return ": check the Harbor URL";
  if (isUnknownCa(code))
    return ': give Harbor\'s CA with its connection as "caFile" (a PEM file) or "ca" (PEM text), or --cert-dir DIR with DIR/<host[:port]>/ca.crt (insecure skips verification altogether, which a private CA never needs)';
  if (isClientCertificateRefusal(code))
    return ': give a client certificate with the Harbor connection as "certFile" and "keyFile", or --cert-dir DIR with DIR/<host[:port]>/client.cert and client.key';
  if (isTlsTrustFailure(code)) return ": Harbor needs a valid certificate for its URL's name";
  return "";
}

function parseAnswer<T>(text: string, headers: HarborResponse<T>["headers"], host: string, call: string, status: number): T {
  const isJson = String(headers["content-type"] ?? "application/json").includes("json");
  if (!text || !isJson) return (text || undefined) as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new HarborApiError(`${host}: ${call}: ${status} with a body that is not JSON: ${JSON.stringify(text.slice(0, 100))}`, { host, call, status });
  }
}
