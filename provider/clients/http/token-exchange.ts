import type { HttpErrorDetails } from "./http-error";
import type { HttpRequest, HttpResponse, TextResponse } from "./http-request";

/**
 * One request to a token endpoint (a registry's Bearer realm, Google's OAuth endpoint), bounded
 * as a token answer deserves: a few hundred bytes, in well under a second. The answer is untrusted:
 * a larger one is refused as it streams in (never read whole), and the whole exchange (retries,
 * redirects, every byte of the body) must finish within a deadline, however slowly bytes trickle
 * in, since the per-read timeouts of the HTTP layer only catch silence.
 */

export interface TokenExchangeLimits {
  /** The largest answer taken; a token answer is a few KiB at most, even with a long JWT. */
  maxBytes: number;
  /** The whole exchange, from sending to the last byte of the answer. */
  deadlineMs: number;
}

export const TOKEN_EXCHANGE_LIMITS: TokenExchangeLimits = { maxBytes: 64 * 1024, deadlineMs: 30_000 };

/**
 * The shortest lifetime a token is taken to have: an endpoint answering `expires_in: 0.001` would
 * otherwise have every request mint a token. Shorter lifetimes are raised to it rather than refused,
 * as docker's client raises them (to the Docker token spec's 60 s): a registry judges its token by
 * the JWT's own `exp`, so a realm that understates the lifetime still works. The floor is one
 * second, not sixty, because short lifetimes are real and honoured: ACR's temporary logins and
 * short-lived Google tokens must be renewed when they lapse, not a minute later. A token that
 * truly lapses sooner is answered 401 and renewed then; at most about one is minted a second.
 */
export const MIN_TOKEN_LIFETIME_S = 1;

/** The lifetime to cache a token for: at least MIN_TOKEN_LIFETIME_S. */
export function tokenLifetimeS(expiresIn: number): number {
  return Math.max(MIN_TOKEN_LIFETIME_S, expiresIn);
}

/** Builds a client's own error type from a message and details (a RegistryError, a GoogleApiError). */
export type TokenExchangeFailure = (message: string, details: HttpErrorDetails) => Error;

export async function exchangeToken(
  send: (request: HttpRequest) => Promise<HttpResponse>,
  request: HttpRequest,
  failure: TokenExchangeFailure,
  limits: TokenExchangeLimits = TOKEN_EXCHANGE_LIMITS,
): Promise<TextResponse> {
  const deadline = AbortSignal.timeout(limits.deadlineMs);
  const signal = request.signal ? AbortSignal.any([request.signal, deadline]) : deadline;
  const host = request.url.host;
  const call = `${request.method} ${request.url.pathname}`;
  try {
    const response = await send({ ...request, signal });
    const text = await readCapped(response, limits.maxBytes, () =>
      failure(`${host}: ${call}: the answer is larger than ${formatBytes(limits.maxBytes)}, too large for a token answer`, {
        host,
        call,
        status: response.status,
      }),
    );
    return { status: response.status, headers: response.headers, text, url: response.url };
  } catch (error) {
    // The caller's own cancellation stays what it is; only this exchange's deadline is worded here.
    if (!deadline.aborted || request.signal?.aborted) throw error;
    throw failure(
      `${host}: ${call}: no complete answer within ${limits.deadlineMs / 1000} s (a token endpoint answers in well under a second); try again later`,
      { host, call, code: "TIMEOUT", retryable: true },
    );
  }
}

async function readCapped(response: HttpResponse, maxBytes: number, tooLarge: () => Error): Promise<string> {
  const declared = Number(response.headers["content-length"]);
  if (declared > maxBytes) {
    response.body.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > maxBytes) {
      response.body.destroy();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function formatBytes(bytes: number): string {
  return bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} bytes`;
}
