import {
  AbortedError,
  AttemptOutcome,
  HttpClient,
  HttpError,
  HttpRequest,
  RequestStats,
  RetryPolicy,
  describeNetworkError,
  headerValue,
  isRetryableErrorCode,
} from "../http";
import { AlicloudAccessKey, describeAccessKey } from "./alicloud-access-key";
import { AlicloudApiError, describeAlicloudError, isThrottling } from "./alicloud-errors";
import { API_VERSIONS, AlicloudProduct, defaultEndpoint, endpointUrl } from "./alicloud-products";
import { AlicloudSettings, MISSING_ALICLOUD_KEY } from "./alicloud-settings";
import { acs3Headers, canonicalQuery } from "./acs3-signature";

/**
 * Alibaba Cloud's RPC-style OpenAPI over HTTPS, signed with ACS3-HMAC-SHA256, on the shared
 * HTTP layer: one method, `call(product, action, params)`. Retries on throttling (every
 * action: a throttled request was never executed) and on 5xx or a reset connection (only
 * actions that are safe to repeat: a repeated Add* could create a second record); each
 * attempt signed afresh, since a nonce may be used once. Errors carry Alibaba's Code,
 * Message and RequestId; ACR's `IsSuccess: false` on an HTTP 200 is an error too.
 */

export type ApiParams = Record<string, string | number | boolean | undefined>;

export interface AlicloudClientOptions {
  accessKey: AlicloudAccessKey;
  region?: string;
  endpoints?: Partial<Record<AlicloudProduct, string>>;
  retry?: RetryPolicy;
  /** Per request. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Actions whose repetition changes nothing more than the first call did. */
const REPEATABLE_ACTION = /^(Describe|Get|List|Update|Set|Delete|Bind)/;

interface Problem {
  code?: string;
  message: string;
  requestId?: string;
}

export class AlicloudClient {
  private readonly http: HttpClient;

  constructor(private readonly options: AlicloudClientOptions) {
    this.http = new HttpClient({
      retry: options.retry,
      signal: options.signal,
      connectionsPerOrigin: 4,
      headersTimeoutMs: options.timeoutMs ?? 30_000,
      bodyTimeoutMs: options.timeoutMs ?? 30_000,
      retryable: safeToRepeat,
    });
  }

  /** A client from resolved settings; fails with what to set when no key was found. */
  static fromSettings(settings: AlicloudSettings, options: Omit<AlicloudClientOptions, "accessKey" | "region" | "endpoints"> = {}): AlicloudClient {
    if (!settings.accessKey) throw new Error(MISSING_ALICLOUD_KEY);
    return new AlicloudClient({ ...options, accessKey: settings.accessKey, region: settings.region, endpoints: settings.endpoints });
  }

  get region(): string | undefined {
    return this.options.region;
  }

  get stats(): RequestStats {
    return this.http.stats;
  }

  /** The product's endpoint: the override, else the public one. */
  endpoint(product: AlicloudProduct, region = this.options.region): URL {
    return endpointUrl(this.options.endpoints?.[product] ?? defaultEndpoint(product, region));
  }

  async call<T extends object>(product: AlicloudProduct, action: string, params: ApiParams = {}, endpoint?: URL): Promise<T & { RequestId: string }> {
    const origin = (endpoint ?? this.endpoint(product)).origin;
    const query = Object.fromEntries(
      Object.entries(params)
        .filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined)
        .map(([key, value]) => [key, String(value)]),
    );
    const url = new URL(`${origin}/?${canonicalQuery(query)}`);
    const details = { product, action, host: url.host };
    const sign = () => ({
      ...acs3Headers({ method: "POST", host: url.host, action, version: API_VERSIONS[product], query }, this.options.accessKey),
      accept: "application/json",
    });
    let response;
    try {
      // `kind` is the action: what counts requests and what decides whether a retry is safe.
      response = await this.http.sendText({ method: "POST", url, kind: action, prepare: sign });
    } catch (error) {
      if (error instanceof AbortedError || !(error instanceof HttpError)) throw error;
      throw new AlicloudApiError(
        `${product} ${action} at ${url.host}: ${describeNetworkError(error.code, error.cause)}`,
        { ...details, code: error.code, retryable: error.retryable },
        { cause: error.cause },
      );
    }
    const { status, text } = response;
    const problem = problemOf(status, text);
    if (!problem) return JSON.parse(text) as T & { RequestId: string };
    const requestId = problem.requestId ?? headerValue(response.headers, "x-acs-request-id");
    const signedAs =
      problem.code && /AccessKey|Signature|SecurityToken|Forbidden|NoPermission|NoPrivilege/i.test(problem.code)
        ? ` (signed with ${describeAccessKey(this.options.accessKey)})`
        : "";
    throw new AlicloudApiError(
      `${product} ${action}: ${status}${problem.code ? ` ${problem.code}` : ""}: ${problem.message}${signedAs}${requestId ? ` (RequestId ${requestId})` : ""}`,
      {
        ...details,
        status,
        code: problem.code,
        requestId,
        retryable: isThrottling(problem.code) || status >= 500,
      },
    );
  }

  close(): Promise<void> {
    return this.http.close();
  }
}

/** Runs `work` with a client that is closed afterwards, whatever happens. */
export async function withAlicloud<T>(
  settings: AlicloudSettings,
  work: (client: AlicloudClient) => Promise<T>,
  options?: Omit<AlicloudClientOptions, "accessKey" | "region" | "endpoints">,
): Promise<T> {
  const client = AlicloudClient.fromSettings(settings, options);
  try {
    return await work(client);
  } finally {
    await client.close();
  }
}

function safeToRepeat(request: HttpRequest, outcome: AttemptOutcome): boolean {
  const repeatable = REPEATABLE_ACTION.test(request.kind);
  if (outcome.kind === "network") return repeatable && isRetryableErrorCode(outcome.code);
  const problem = problemOf(outcome.status, outcome.text ?? "");
  return problem !== undefined && (isThrottling(problem.code) || (outcome.status >= 500 && repeatable));
}

/** What went wrong, or undefined for a successful answer (a JSON object without `IsSuccess: false`). */
function problemOf(status: number, text: string): Problem | undefined {
  const answer = status < 400 ? parseBody(text) : undefined;
  if (answer && answer.IsSuccess !== false) return undefined;
  if (answer)
    return {
      code: String(answer.Code ?? "IsSuccess=false"),
      message: String(answer.Message ?? "the call reported IsSuccess: false"),
      requestId: typeof answer.RequestId === "string" ? answer.RequestId : undefined,
    };
  return describeAlicloudError(status, text);
}

function parseBody(text: string): Record<string, unknown> | undefined {
  try {
    const parsed = JSON.parse(text);
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}
