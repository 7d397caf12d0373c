import { MAX_ERROR_BODY_BYTES, readBodyStart } from "./answer-limits";
import { AuthError, RegistryError } from "./errors";
import { HttpResponse } from "./transport";
import { isRetryableStatus, parseRetryAfter } from "../http";

/** The registry's error body: `{"errors":[{"code","message","detail"}]}` (distribution spec). */
interface ErrorBody {
  errors?: { code?: string; message?: string; detail?: unknown }[];
}

const REQUEST_ID_HEADERS = ["x-request-id", "x-harbor-request-id", "x-amz-request-id", "x-acs-request-id", "x-cloud-trace-context"];

/** Builds the error for an unexpected response, consuming its body. */
export async function errorFromResponse(response: HttpResponse, host: string, action: string): Promise<RegistryError> {
  const text = await readBodyStart(response.body, MAX_ERROR_BODY_BYTES).catch(() => "");
  let first: { code?: string; message?: string } | undefined;
  try {
    first = (JSON.parse(text) as ErrorBody).errors?.[0];
  } catch {
    // Not every proxy in front of a registry answers in JSON; the status still tells.
  }
  const requestId = REQUEST_ID_HEADERS.map((name) => response.headers[name]).find((value): value is string => typeof value === "string");
  const said = first ? `${first.code ?? "ERROR"}: ${first.message ?? ""}`.trim() : text.slice(0, 200).trim() || "no details";
  const suffix = requestId ? ` [request id ${requestId}]` : "";
  const details = {
    host,
    status: response.status,
    code: first?.code,
    requestId,
    retryable: isRetryableStatus(response.status),
    retryAfterMs: parseRetryAfter(response.headers["retry-after"]),
  };
  if (response.status === 401) {
    return new AuthError(`${host}: ${action}: authentication failed (HTTP 401, ${said}): check the credentials for this registry${suffix}`, details);
  }
  if (response.status === 403) {
    return new AuthError(`${host}: ${action}: access denied (HTTP 403, ${said}): the credentials lack permission${suffix}`, details);
  }
  return new RegistryError(`${host}: ${action}: HTTP ${response.status} (${said})${suffix}`, details);
}
