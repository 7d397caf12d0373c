import { HttpError, HttpErrorDetails } from "../http";

/**
 * Errors of the Harbor API client. Each names the Harbor host, the call, Harbor's own error
 * code and message and its request id (`X-Request-Id`, what Harbor's logs are searched by).
 * None of them ever carries the password: messages are built from Harbor's answer only.
 */

export interface HarborErrorDetails extends HttpErrorDetails {
  /** "POST /api/v2.0/registries" */
  call: string;
  /** Harbor's code: BAD_REQUEST, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, CONFLICT, PRECONDITION, UNPROCESSABLE_ENTITY, UNKNOWN. */
  code?: string;
}

export class HarborApiError extends HttpError {
  override name = "HarborApiError";
  declare readonly call: string;

  constructor(message: string, details: HarborErrorDetails, options?: { cause?: unknown }) {
    super(message, details, options);
  }
}

/** Whether `error` is Harbor answering `status` (404: gone; 409: exists; 412: in use). */
export function isHarborStatus(error: unknown, status: number): error is HarborApiError {
  return error instanceof HarborApiError && error.status === status;
}

/** Harbor's error body is `{"errors":[{"code","message"}]}`; anything else is quoted briefly. */
export function describeHarborError(status: number, body: string): { code?: string; message: string } {
  try {
    const parsed = JSON.parse(body) as { errors?: { code?: string; message?: string }[] };
    const first = parsed.errors?.[0];
    if (first) return { code: first.code, message: parsed.errors!.map((error) => error.message ?? error.code).join("; ") };
  } catch {
    // not JSON: a proxy's HTML page, an empty body
  }
  const text = body.trim().replace(/\s+/g, " ").slice(0, 200);
  return { message: text || `HTTP ${status}` };
}

/** The call's answer, or undefined when Harbor says the thing is not there (404). */
export async function unlessGone<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (isHarborStatus(error, 404)) return undefined;
    throw error;
  }
}
