import { createServer, IncomingMessage, ServerResponse } from "node:http";
import { AnswerFault, FaultyAnswerLog, sendFaultyAnswer } from "../hostile-front";
import { listenOnLoopback } from "../loopback-server";
import { CloudDnsApi, error } from "./cloud-dns-api";
import { makeServiceAccount, StandInServiceAccount } from "./service-accounts";
import { TokenEndpoint } from "./token-endpoint";

/**
 * Google for tests, on one loopback port: the OAuth token endpoint (`/token`, JWT-bearer grant
 * verified against each service account's public key) and Cloud DNS v1 (`/dns/v1/...`, every
 * call needing a live token with a DNS scope). Requests that break the contract are answered
 * as Google would and recorded in `violations()`, which tests expect to be empty.
 */

export interface GoogleStandIn {
  url: string;
  tokenUri: string;
  /** The Cloud DNS endpoint to give clients (`https://dns.googleapis.com` in production). */
  dnsEndpoint: string;
  dns: CloudDnsApi;
  tokens: TokenEndpoint;
  /** A new service account; its `keyJson` is what a user downloads. */
  addServiceAccount(email: string, projectId: string): StandInServiceAccount;
  /** Seconds each minted token lives (Google: 3600). */
  setTokenLifetime(seconds: number): void;
  /** The next `times` calls whose path contains `fragment` fail with `status` (Google's error body). */
  failNext(fragment: string, times: number, status: number, reason: string): void;
  /** Token grants from now on are answered as `fault` says (oversized, dripped); undefined: answered well again. */
  setTokenAnswerFault(fault: AnswerFault | undefined): void;
  /** How each faulty token answer went: bytes written before the client went away. */
  faultyAnswers(): FaultyAnswerLog[];
  requests(): { method: string; path: string; status: number }[];
  /** TCP connections open to it now (a client that closed its pool leaves none). */
  openConnections(): Promise<number>;
  violations(): string[];
  stop(): Promise<void>;
}

const DNS_SCOPES = ["https://www.googleapis.com/auth/ndev.clouddns.readwrite", "https://www.googleapis.com/auth/cloud-platform"];

export async function startGoogleStandIn(): Promise<GoogleStandIn> {
  const accounts: StandInServiceAccount[] = [];
  const log: { method: string; path: string; status: number }[] = [];
  const violations: string[] = [];
  const faults: { fragment: string; times: number; status: number; reason: string }[] = [];
  const dns = new CloudDnsApi();
  let lifetime = 3600;
  let answerFault: AnswerFault | undefined;
  const faultyAnswers: FaultyAnswerLog[] = [];
  let base = "";
  const tokens = new TokenEndpoint(
    () => accounts,
    () => `${base}/token`,
    () => lifetime,
  );

  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", base);
    const text = await readBody(request);
    const answer = route(request.method ?? "GET", url, request.headers.authorization, request.headers["content-type"], text);
    log.push({ method: request.method ?? "GET", path: url.pathname, status: answer.status });
    if (answerFault && url.pathname === "/token" && answer.status === 200) {
      const entry = { written: 0, finished: false };
      faultyAnswers.push(entry);
      return sendFaultyAnswer(response, answer.status, JSON.stringify(answer.body), answerFault, entry);
    }
    send(response, answer.status, answer.body);
  });

  function route(
    method: string,
    url: URL,
    authorization: string | undefined,
    contentType: string | undefined,
    text: string,
  ): { status: number; body: unknown } {
    const fault = faults.find((candidate) => candidate.times > 0 && url.pathname.includes(candidate.fragment));
    if (fault) {
      fault.times--;
      return error(fault.status, fault.reason, `injected ${fault.reason}`);
    }
    if (url.pathname === "/token") {
      if (method !== "POST" || !contentType?.startsWith("application/x-www-form-urlencoded"))
        return violation(`token endpoint: ${method} with content-type ${contentType}`, 400, "invalid_request");
      return tokens.grant(new URLSearchParams(text));
    }
    const segments = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    if (segments[0] !== "dns" || segments[1] !== "v1") return violation(`unknown path ${url.pathname}`, 404, "notFound");
    const token = tokens.check(authorization, DNS_SCOPES);
    if (token === "expired")
      return error(401, "authError", "Request had invalid authentication credentials. Expected OAuth 2 access token. The access token expired.");
    if (!token) return error(401, "authError", "Request is missing required authentication credential. Expected OAuth 2 access token.");
    let body: unknown;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        return violation(`${method} ${url.pathname}: body is not JSON`, 400, "parseError");
      }
    }
    const answer = dns.handle(method, segments.slice(2), url.searchParams, body);
    if (answer.status === 400) violations.push(`${method} ${url.pathname}: ${JSON.stringify(answer.body)}`);
    return answer;
  }

  function violation(what: string, status: number, reason: string): { status: number; body: unknown } {
    violations.push(what);
    return error(status, reason, what);
  }

  const listening = await listenOnLoopback(server);
  base = `http://127.0.0.1:${listening.port}`;
  return {
    url: base,
    tokenUri: `${base}/token`,
    dnsEndpoint: `${base}/dns/v1/`,
    dns,
    tokens,
    addServiceAccount(email, projectId) {
      const account = makeServiceAccount(email, projectId, `${base}/token`);
      accounts.push(account);
      return account;
    },
    setTokenLifetime(seconds) {
      lifetime = seconds;
    },
    failNext(fragment, times, status, reason) {
      faults.push({ fragment, times, status, reason });
    },
    setTokenAnswerFault(fault) {
      answerFault = fault;
    },
    faultyAnswers: () => faultyAnswers.map((entry) => ({ ...entry })),
    requests: () => [...log],
    openConnections: () => new Promise((resolve) => server.getConnections((_error, count) => resolve(count))),
    violations: () => [...violations],
    stop: () => listening.close(),
  };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json; charset=UTF-8", "content-length": Buffer.byteLength(text) });
  response.end(text);
}
