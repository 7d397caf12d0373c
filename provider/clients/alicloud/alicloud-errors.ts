import { HttpError, HttpErrorDetails } from "../http";

/**
 * Errors of the Alibaba Cloud API client. Each names the product, the action, Alibaba's
 * `Code`, `Message` and `RequestId` (what Alibaba support searches by). None carries a
 * secret: messages are built from Alibaba's answer and the AccessKey id's ends only.
 */

export interface AlicloudErrorDetails extends HttpErrorDetails {
  product: string;
  action: string;
}

export class AlicloudApiError extends HttpError {
  override name = "AlicloudApiError";
  readonly product: string;
  readonly action: string;

  constructor(message: string, details: AlicloudErrorDetails, options?: { cause?: unknown }) {
    super(message, { call: `${details.product} ${details.action}`, ...details }, options);
    this.product = details.product;
    this.action = details.action;
  }
}

/** Whether `error` is Alibaba answering with `code`, or with a code starting `code.` ("Zone" matches "Zone.NotExists"). */
export function isAlicloudCode(error: unknown, code: string): error is AlicloudApiError {
  return error instanceof AlicloudApiError && error.code !== undefined && (error.code === code || error.code.startsWith(`${code}.`));
}

/** Flow control: `Throttling`, `Throttling.User`, `Throttling.Api`, ... */
export function isThrottling(code: string | undefined): boolean {
  return code !== undefined && /^Throttling(\.|$)/.test(code);
}

/** Alibaba's error body `{Code, Message, RequestId, Recommend}`; anything else is quoted briefly. */
export function describeAlicloudError(status: number, body: string): { code?: string; message: string; requestId?: string; recommend?: string } {
  try {
    const parsed = JSON.parse(body) as { Code?: string; Message?: string; RequestId?: string; Recommend?: string };
    // One line: gateways put the string they signed on a second line of the message.
    if (parsed.Code || parsed.Message)
      return {
        code: parsed.Code,
        message: (parsed.Message ?? parsed.Code ?? "").replace(/\s+/g, " ").trim(),
        requestId: parsed.RequestId,
        recommend: parsed.Recommend,
      };
  } catch {
    // not JSON: a proxy's HTML page, an empty body
  }
  const text = body.trim().replace(/\s+/g, " ").slice(0, 200);
  return { message: text || `HTTP ${status}` };
}
