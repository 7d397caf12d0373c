import { setTimeout as sleep } from "node:timers/promises";
import { Agent, Dispatcher } from "undici";
import { DEFAULT_RETRY_POLICY, RetryPolicy, isRetryableErrorCode, parseRetryAfter, retryDelayMs } from "../oci/retry-policy";
import { describeNetworkError, errorCode } from "../oci/transport";
import { AlicloudAccessKey, describeAccessKey } from "./alicloud-access-key";
import { AlicloudApiError, describeAlicloudError, isThrottling } from "./alicloud-errors";
import { API_VERSIONS, AlicloudProduct, defaultEndpoint, endpointUrl } from "./alicloud-products";
import { AlicloudSettings, MISSING_ALICLOUD_KEY } from "./alicloud-settings";
import { acs3Headers, canonicalQuery } from "./acs3-signature";

/**
 * Alibaba Cloud's RPC-style OpenAPI over HTTPS, signed with ACS3-HMAC-SHA256: one method,
 * `call(product, action, params)`. Timeouts; bounded retries with backoff on throttling
 * (every action: a throttled request was never executed) and on 5xx or a reset connection
 * (only actions that are safe to repeat: a repeated Add* could create a second record);
 * each attempt signed afresh, since a nonce may be used once. Errors carry Alibaba's Code,
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

export class AlicloudClient {
  private readonly dispatcher: Dispatcher;

  constructor(private readonly options: AlicloudClientOptions) {
    this.dispatcher = new Agent({ connections: 4, headersTimeout: options.timeoutMs ?? 30_000, bodyTimeout: options.timeoutMs ?? 30_000, connect: { timeout: 10_000 } });
  }

  /** A client from resolved settings; fails with what to set when no key was found. */
  static fromSettings(settings: AlicloudSettings, options: Omit<AlicloudClientOptions, "accessKey" | "region" | "endpoints"> = {}): AlicloudClient {
    if (!settings.accessKey) throw new Error(MISSING_ALICLOUD_KEY);
    return new AlicloudClient({ ...options, accessKey: settings.accessKey, region: settings.region, endpoints: settings.endpoints });
  }

  get region(): string | undefined {
    return this.options.region;
  }

  /** The product's endpoint: the override, else the public one. */
  endpoint(product: AlicloudProduct, region = this.options.region): URL {
    return endpointUrl(this.options.endpoints?.[product] ?? defaultEndpoint(product, region));
  }

  async call<T extends object>(product: AlicloudProduct, action: string, params: ApiParams = {}, endpoint?: URL): Promise<T & { RequestId: string }> {
    const url = endpoint ?? this.endpoint(product);
    const query = Object.fromEntries(Object.entries(params).filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined).map(([key, value]) => [key, String(value)]));
    const policy = this.options.retry ?? DEFAULT_RETRY_POLICY;
    const details = { product, action, host: url.host };
    for (let attempt = 0; ; attempt++) {
      const headers = acs3Headers({ method: "POST", host: url.host, action, version: API_VERSIONS[product], query }, this.options.accessKey);
      let response: Dispatcher.ResponseData;
      try {
        response = await this.dispatcher.request({ origin: url.origin, path: `/?${canonicalQuery(query)}`, method: "POST", headers: { ...headers, accept: "application/json" }, signal: this.options.signal });
      } catch (error) {
        const code = errorCode(error);
        if (REPEATABLE_ACTION.test(action) && isRetryableErrorCode(code) && attempt < policy.maxRetries) {
          await this.wait(retryDelayMs(policy, attempt));
          continue;
        }
        throw new AlicloudApiError(`${product} ${action} at ${url.host}: ${describeNetworkError(code, error)}`, { ...details, code }, { cause: error });
      }
      const text = await response.body.text();
      const status = response.statusCode;
      const answer = status < 400 ? parseBody(text) : undefined;
      if (answer && answer.IsSuccess !== false) return answer as T & { RequestId: string };
      const problem = answer ? { code: String(answer.Code ?? "IsSuccess=false"), message: String(answer.Message ?? "the call reported IsSuccess: false"), requestId: answer.RequestId as string | undefined } : describeAlicloudError(status, text);
      const retryable = isThrottling(problem.code) || (status >= 500 && REPEATABLE_ACTION.test(action));
      if (retryable && attempt < policy.maxRetries) {
        await this.wait(retryDelayMs(policy, attempt, parseRetryAfter(response.headers["retry-after"])));
        continue;
      }
      const requestId = problem.requestId ?? header(response.headers, "x-acs-request-id");
      const signedAs = problem.code && /AccessKey|Signature|SecurityToken|Forbidden|NoPermission|NoPrivilege/i.test(problem.code) ? ` (signed with ${describeAccessKey(this.options.accessKey)})` : "";
      throw new AlicloudApiError(`${product} ${action}: ${status}${problem.code ? ` ${problem.code}` : ""}: ${problem.message}${signedAs}${requestId ? ` (RequestId ${requestId})` : ""}`, {
        ...details,
        status,
        code: problem.code,
        requestId,
      });
    }
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }

  private async wait(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.options.signal });
  }
}

/** Runs `work` with a client that is closed afterwards, whatever happens. */
export async function withAlicloud<T>(settings: AlicloudSettings, work: (client: AlicloudClient) => Promise<T>, options?: Omit<AlicloudClientOptions, "accessKey" | "region" | "endpoints">): Promise<T> {
  const client = AlicloudClient.fromSettings(settings, options);
  try {
    return await work(client);
  } finally {
    await client.close();
  }
}

function parseBody(text: string): Record<string, unknown> | undefined {
  try {
    const parsed = JSON.parse(text);
    return parsed && typeof parsed === "object" ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
