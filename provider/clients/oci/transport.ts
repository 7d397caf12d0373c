import {
  HostRoutes,
  HttpClient,
  HttpRequest,
  HttpResponse,
  NAME_MISMATCH_CODE,
  RequestStats,
  RetryPolicy,
  TransportFailure,
  describeNetworkError,
  isClientCertificateRefusal,
  isTlsTrustFailure,
  isUnknownCa,
} from "../http";
import { NetworkError, RegistryError } from "./errors";
import { RequestRate } from "./request-rate";

/**
 * HTTP for the registry client, on the shared HTTP layer: keep-alive pools, timeouts and
 * bounded retries of replayable requests come from there; what is the registry's own is
 * following redirects (blob storage hands out pre-signed URLs elsewhere, and `Authorization`
 * never follows it off the host) and the advice in network errors.
 */

export type { HttpRequest, HttpResponse } from "../http";
export { errorCode } from "../http";

export interface TransportOptions {
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  /** Longest silence while a body streams; long transfers are fine as long as bytes flow. */
  bodyTimeoutMs?: number;
  connectionsPerHost?: number;
  retry?: Partial<RetryPolicy>;
  /** Cancels every request of this transport (a run's deadline). */
  signal?: AbortSignal;
  /** At most this many requests a second to each registry host (Artifact Registry's per-project quotas). */
  maxRequestsPerSecond?: number;
  /** Per registry host (`host[:port]`): CAs, client certificate, the address to connect to. */
  routes?: HostRoutes;
}

export class HttpTransport {
  private readonly client: HttpClient;
  private readonly rate?: RequestRate;
  private readonly signal?: AbortSignal;

  constructor(options: TransportOptions = {}) {
    const { connectionsPerHost, maxRequestsPerSecond, ...rest } = options;
    this.client = new HttpClient({ ...rest, connectionsPerOrigin: connectionsPerHost, failure: registryFailure });
    this.rate = maxRequestsPerSecond === undefined ? undefined : new RequestRate(maxRequestsPerSecond);
    this.signal = options.signal;
  }

  get stats(): RequestStats {
    return this.client.stats;
  }

  send(request: HttpRequest): Promise<HttpResponse> {
    // Without a rate, no extra await: the request starts in the same tick, as before.
    if (!this.rate) return this.client.send({ ...request, followRedirects: true });
    return this.rate.take(request.url.host, this.signal).then(() => this.client.send({ ...request, followRedirects: true }));
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

function registryFailure(failure: TransportFailure): Error {
  const details = { host: failure.host, call: failure.call, code: failure.code, retryable: failure.retryable };
  if (failure.code === "REDIRECT") return new RegistryError(`${failure.host}: ${failure.description}`, details);
  return new NetworkError(`${failure.host}: ${describeRegistryNetworkError(failure.code, failure.cause)}`, details, { cause: failure.cause });
}

/** The neutral description, plus what a registry's user can do about it. */
export function describeRegistryNetworkError(code: string | undefined, error?: unknown): string {
  const description = describeNetworkError(code, error);
  if (isUnknownCa(code))
    return `${description}: give this registry's CA as "caFile" (a PEM file) or "ca" (PEM text) in its auth entry, or --cert-dir DIR with DIR/<host[:port]>/ca.crt (or set "insecure": true for this registry to skip verification altogether)`;
  if (code === NAME_MISMATCH_CODE)
    return `${description}: clients reaching it by this name would be refused too; the registry needs a certificate for the name`;
  if (isClientCertificateRefusal(code))
    return `${description}: give a client certificate as "certFile" and "keyFile" in its auth entry, or --cert-dir DIR with DIR/<host[:port]>/client.cert and client.key`;
  if (isTlsTrustFailure(code)) return `${description}; set "insecure": true for this registry to skip verification`;
  if (code === "ECONNREFUSED") return `${description}: is the registry running and the port right?`;
  return description;
}
