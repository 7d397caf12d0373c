import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import { makeSelfSignedCert } from "./certs";
import { AnswerFault, FaultyAnswerLog, sendFaultyAnswer } from "./hostile-front";
import { AccessEntry, TokenSigner } from "./jwt";
import { makeTempDir, removeTempDir } from "./processes";
import { listenOnLoopback } from "./loopback-server";

export { TokenSigner } from "./jwt";
export type { AccessEntry, TokenClaims } from "./jwt";

/**
 * A Docker registry bearer-token server, the counterpart of distribution's `auth.token`:
 * what Harbor, GitLab, Quay or Docker Hub run in front of their registries. Clients get a
 * 401 with `WWW-Authenticate: Bearer realm=…,service=…,scope=…` from the registry, ask
 * here (Basic credentials optional), and retry with the signed JWT.
 */

export interface TokenServerOptions {
  /**
   * user -> password, or a check of a login (for temporary logins such as ACR's); these
   * users get every action they ask for on any repository.
   */
  users: Record<string, string> | ((user: string, password: string) => boolean);
  /**
   * OAuth2 refresh tokens (docker's identity tokens) -> the user each stands for. With them the
   * realm also takes distribution's OAuth2 form POST (`grant_type=refresh_token`, a
   * `client_id`, scopes space-separated), and refuses an unknown token with 400 invalid_grant.
   */
  refreshTokens?: Record<string, string>;
  /** Anonymous requests get `pull` (else an empty access list, still 200, as real servers do). */
  anonymousPull?: boolean;
  /** Default 300. */
  expiresInSeconds?: number;
  /**
   * How the JWT names its signing key. Distribution 2.8 accepts both: "x5c" carries the
   * certificate chain (checked against rootcertbundle), "kid" is libtrust's fingerprint of
   * the public key of a certificate in rootcertbundle. Default "x5c".
   */
  keyHeader?: "x5c" | "kid";
  /** The `expires_in` answers claim, whatever the token's own `exp` (expiresInSeconds) says: a realm claiming tokens lapse at once. */
  claimedExpiresInSeconds?: number;
  /** Tokens granted are answered as this says (oversized, dripped): a hostile realm. */
  answerFault?: AnswerFault;
}

export interface TokenRequestLog {
  /** The Basic-auth user name, when the client sent one (also on a 401). */
  account?: string;
  /** Every scope asked for, as sent, e.g. "repository:team/app:pull,push". */
  scopes: string[];
  status: number;
  method: string;
  /** "refresh_token" for an OAuth2 POST. */
  grant?: string;
  /** The request's path and query: where a secret must never be. */
  url: string;
}

export interface TokenServer {
  /** "http://127.0.0.1:PORT/token" */
  realm: string;
  service: string;
  issuer: string;
  /** The signing certificate: the registry's auth.token.rootcertbundle. */
  certPath: string;
  requests(): TokenRequestLog[];
  /** From now on, answers as `fault` says (undefined: well) and claims `expires_in` as given (undefined: the true lifetime). */
  misanswer(fault: AnswerFault | undefined, claimedExpiresInSeconds?: number): void;
  /** How each faulty answer went (with `answerFault`): bytes written before the client went away. */
  faultyAnswers(): FaultyAnswerLog[];
  clearRequests(): void;
  stop(): Promise<void>;
}

const SERVICE = "registry-dr-test-registry";
const ISSUER = "registry-dr-test-token-issuer";
/** What an authenticated user may be granted; anything else asked for is dropped. */
const USER_ACTIONS = new Set(["pull", "push", "delete", "*"]);

export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const opts = { ...options };
  const dir = makeTempDir("registry-dr-tokens-");
  try {
    const { certPath, keyPath } = await makeSelfSignedCert(dir, { commonName: ISSUER });
    const signer = new TokenSigner(readFileSync(keyPath), readFileSync(certPath), opts.keyHeader ?? "x5c");
    const log: TokenRequestLog[] = [];
    const faulty: FaultyAnswerLog[] = [];
    const server: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        try {
          handleRequest(req, Buffer.concat(chunks).toString("utf8"), res, opts, signer, log, faulty);
        } catch (error) {
          reply(res, 500, { errors: [{ code: "UNKNOWN", message: String(error) }] });
        }
      });
    });
    const { port, close } = await listenOnLoopback(server);
    return {
      realm: `http://127.0.0.1:${port}/token`,
      service: SERVICE,
      issuer: ISSUER,
      certPath,
      requests: () => log.map((entry) => ({ ...entry, scopes: [...entry.scopes] })),
      faultyAnswers: () => faulty.map((entry) => ({ ...entry })),
      misanswer: (fault, claimedExpiresInSeconds) => {
        opts.answerFault = fault;
        opts.claimedExpiresInSeconds = claimedExpiresInSeconds;
      },
      clearRequests: () => {
        log.length = 0;
      },
      stop: async () => {
        await close();
        await removeTempDir(dir);
      },
    };
  } catch (error) {
    await removeTempDir(dir);
    throw error;
  }
}

function handleRequest(
  req: IncomingMessage,
  body: string,
  res: ServerResponse,
  opts: TokenServerOptions,
  signer: TokenSigner,
  log: TokenRequestLog[],
  faulty: FaultyAnswerLog[],
): void {
  const url = new URL(req.url ?? "/", "http://token-server");
  if (url.pathname !== "/token") {
    reply(res, 404, { errors: [{ code: "NOT_FOUND", message: `no ${url.pathname} here; the realm is /token` }] });
    return;
  }
  if (req.method === "POST" && opts.refreshTokens) {
    handleRefreshGrant(req, body, url, res, opts.refreshTokens, opts.expiresInSeconds ?? 300, signer, log);
    return;
  }
  // Some clients send one scope parameter with space-separated scopes; the spec allows both.
  const scopes = url.searchParams
    .getAll("scope")
    .flatMap((scope) => scope.split(" "))
    .filter((scope) => scope !== "");
  const credentials = parseBasic(req.headers.authorization);
  const entry: TokenRequestLog = { ...(credentials ? { account: credentials.user } : {}), scopes, status: 0, method: req.method ?? "", url: req.url ?? "" };
  log.push(entry);
  const answer = (status: number, body: object) => {
    entry.status = status;
    reply(res, status, body);
  };

  if (req.method !== "GET") {
    answer(405, { errors: [{ code: "UNSUPPORTED", message: "only GET /token is implemented" }] });
    return;
  }
  const service = url.searchParams.get("service");
  if (service !== null && service !== SERVICE) {
    answer(400, { errors: [{ code: "INVALID_REQUEST", message: `unknown service "${service}"` }] });
    return;
  }
  if (credentials && !loginAccepted(opts.users, credentials)) {
    answer(401, { errors: [{ code: "UNAUTHORIZED", message: "incorrect username or password" }], details: "incorrect username or password" });
    return;
  }
  const access = scopes.flatMap((scope) => grant(scope, credentials !== undefined, opts.anonymousPull ?? false));
  const expiresIn = opts.expiresInSeconds ?? 300;
  const now = Math.floor(Date.now() / 1000);
  const token = signToken(signer, credentials?.user ?? "", access, expiresIn, now);
  const granted = { token, access_token: token, expires_in: opts.claimedExpiresInSeconds ?? expiresIn, issued_at: new Date(now * 1000).toISOString() };
  if (!opts.answerFault) return answer(200, granted);
  entry.status = 200;
  const record = { written: 0, finished: false };
  faulty.push(record);
  sendFaultyAnswer(res, 200, JSON.stringify(granted), opts.answerFault, record);
}

/**
 * distribution's OAuth2 token request (docs/spec/auth/oauth.md), as `docker login` with an
 * identity token sends it: a form body, never the query; `client_id` required; an unknown
 * refresh token is 400 invalid_grant (RFC 6749, 5.2).
 */
function handleRefreshGrant(
  req: IncomingMessage,
  body: string,
  url: URL,
  res: ServerResponse,
  refreshTokens: Record<string, string>,
  expiresIn: number,
  signer: TokenSigner,
  log: TokenRequestLog[],
): void {
  const form = new URLSearchParams(body);
  const scopes = form
    .getAll("scope")
    .flatMap((scope) => scope.split(" "))
    .filter((scope) => scope !== "");
  const entry: TokenRequestLog = { scopes, status: 0, method: "POST", grant: form.get("grant_type") ?? undefined, url: req.url ?? "" };
  log.push(entry);
  const answer = (status: number, answerBody: object) => {
    entry.status = status;
    reply(res, status, answerBody);
  };
  if (!(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded"))
    return answer(400, { error: "invalid_request", error_description: "expected a form body (application/x-www-form-urlencoded)" });
  if (url.search !== "") return answer(400, { error: "invalid_request", error_description: "parameters go in the form body, not the query" });
  if (form.get("grant_type") !== "refresh_token")
    return answer(400, { error: "unsupported_grant_type", error_description: "only refresh_token is implemented" });
  if (!form.get("client_id")) return answer(400, { error: "invalid_request", error_description: "client_id is required" });
  const service = form.get("service");
  if (service !== null && service !== SERVICE) return answer(400, { error: "invalid_request", error_description: `unknown service "${service}"` });
  const user = Object.hasOwn(refreshTokens, form.get("refresh_token") ?? "") ? refreshTokens[form.get("refresh_token")!] : undefined;
  if (user === undefined) return answer(400, { error: "invalid_grant", error_description: "unknown or revoked refresh token" });
  entry.account = user;
  const access = scopes.flatMap((scope) => grant(scope, true, false));
  const now = Math.floor(Date.now() / 1000);
  const token = signToken(signer, user, access, expiresIn, now);
  answer(200, { access_token: token, expires_in: expiresIn, scope: scopes.join(" "), issued_at: new Date(now * 1000).toISOString() });
}

function signToken(signer: TokenSigner, subject: string, access: AccessEntry[], expiresIn: number, now: number): string {
  return signer.sign({
    iss: ISSUER,
    sub: subject,
    aud: SERVICE,
    exp: now + expiresIn,
    // A little slack for clock skew, though everything here runs on one clock.
    nbf: now - 5,
    iat: now,
    jti: randomUUID(),
    access,
  });
}

function loginAccepted(users: TokenServerOptions["users"], login: { user: string; password: string }): boolean {
  return typeof users === "function" ? users(login.user, login.password) : Object.hasOwn(users, login.user) && users[login.user] === login.password;
}

/** `type:name:actions`; names may contain ':' (a host with a port), so split at the ends. */
function grant(scope: string, authenticated: boolean, anonymousPull: boolean): AccessEntry[] {
  const first = scope.indexOf(":");
  const last = scope.lastIndexOf(":");
  if (first < 0 || last === first) return [];
  const type = scope.slice(0, first);
  const name = scope.slice(first + 1, last);
  const asked = scope
    .slice(last + 1)
    .split(",")
    .filter((action) => action !== "");
  const actions = authenticated
    ? asked.filter((action) => USER_ACTIONS.has(action))
    : anonymousPull && type === "repository"
      ? asked.filter((action) => action === "pull")
      : [];
  return actions.length > 0 ? [{ type, name, actions }] : [];
}

function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  const match = header?.match(/^Basic\s+(\S+)$/i);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon < 0 ? { user: decoded, password: "" } : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function reply(res: ServerResponse, status: number, body: object): void {
  const json = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { "content-type": "application/json", "content-length": json.length }).end(json);
}
