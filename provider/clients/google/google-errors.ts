import { HttpError } from "../http";

/**
 * Errors of Google's APIs: the host, the call, Google's `reason` (conditionNotMet,
 * alreadyExists, notFound, invalid_grant, ...) and message. None ever carries a key, an
 * assertion or an access token: messages are built from Google's answer only.
 */
export class GoogleApiError extends HttpError {
  override name = "GoogleApiError";
}

export function isGoogleStatus(error: unknown, status: number): error is GoogleApiError {
  return error instanceof GoogleApiError && error.status === status;
}

/**
 * Google's two error shapes: APIs answer `{error: {code, message, status, errors: [{reason}]}}`,
 * the OAuth token endpoint `{error: "invalid_grant", error_description}`. Anything else is
 * quoted briefly.
 */
export function describeGoogleError(status: number, text: string): { code?: string; message: string } {
  try {
    const body = JSON.parse(text) as { error?: unknown; error_description?: unknown };
    if (typeof body.error === "string") return { code: body.error, message: oneLine(String(body.error_description ?? body.error)) };
    if (body.error && typeof body.error === "object") {
      const error = body.error as { message?: unknown; status?: unknown; errors?: { reason?: unknown }[] };
      const reason = error.errors?.find((entry) => typeof entry.reason === "string")?.reason as string | undefined;
      return { code: reason ?? (typeof error.status === "string" ? error.status : undefined), message: oneLine(String(error.message ?? `HTTP ${status}`)) };
    }
  } catch {
    // not JSON: a proxy's page
  }
  return { message: oneLine(text).slice(0, 200) || `HTTP ${status}` };
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
