import { randomBytes } from "node:crypto";
import { Agent, createServer, IncomingMessage, ServerResponse } from "node:http";
import { listenOnLoopback } from "../loopback-server";
import { RegistryServer, startRegistry } from "../registry-server";
import { forward as forwardUntouched } from "../tag-pagination-proxy";
import type { StandInServiceAccount } from "./service-accounts";
import type { TokenEndpoint } from "./token-endpoint";

/**
 * An Artifact Registry Docker endpoint for tests: a real docker-registry behind a front that
 * behaves as AR does where a copier can tell. The 401 challenge names a token realm and no
 * `service`; the realm takes Basic `oauth2accesstoken:<access token the Google stand-in
 * minted>`, `_json_key:<key JSON>` or `_json_key_base64:<base64 key JSON>` and answers with a
 * registry token; every /v2/ call needs that token. Chunked uploads (PATCH with Content-Range)
 * are refused, as AR takes a blob in one request (one streamed PATCH, as docker sends, or the
 * PUT itself). Everything else passes to the registry with the front's Host,
 * so its Location headers point back at the front.
 */

export interface ArtifactRegistryFront {
  /** "127.0.0.1:PORT" */
  host: string;
  backend: RegistryServer;
  /** Logins the realm accepted, by kind: what renewal tests count. */
  logins(): { kind: "oauth2accesstoken" | "_json_key" | "_json_key_base64"; email: string }[];
  /** Requests refused: chunked PATCHes, bad or expired logins. */
  refusals(): string[];
  stop(): Promise<void>;
}

const REGISTRY_SCOPES = ["https://www.googleapis.com/auth/cloud-platform", "https://www.googleapis.com/auth/devstorage.read_write"];
const REGISTRY_TOKEN_LIFETIME_S = 300;

export async function startArtifactRegistryFront(tokens: TokenEndpoint, accounts: () => StandInServiceAccount[]): Promise<ArtifactRegistryFront> {
  const backend = await startRegistry();
  const agent = new Agent({ keepAlive: true });
  const registryTokens = new Map<string, number>();
  const logins: { kind: "oauth2accesstoken" | "_json_key" | "_json_key_base64"; email: string }[] = [];
  const refusals: string[] = [];
  let realm = "";

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://front");
    if (url.pathname === "/v2/token") return issueToken(req, res);
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
    const expiry = token ? registryTokens.get(token) : undefined;
    if (expiry === undefined || expiry < Date.now()) {
      if (token) refusals.push(`${req.method} ${url.pathname}: ${expiry === undefined ? "unknown" : "expired"} registry token`);
      return json(res, 401, { errors: [{ code: "UNAUTHORIZED", message: "authentication failed" }] }, { "www-authenticate": `Bearer realm="${realm}"` });
    }
    if (req.method === "PATCH" && req.headers["content-range"] !== undefined) {
      refusals.push(`PATCH ${url.pathname}: chunked upload (Content-Range ${req.headers["content-range"]})`);
      req.resume();
      return json(res, 400, { errors: [{ code: "UNSUPPORTED", message: "Chunked uploads are not supported. Upload the blob in one PUT request." }] });
    }
    forward(req, res);
  });

  function issueToken(req: IncomingMessage, res: ServerResponse): void {
    const basic = /^Basic (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
    const [user, ...rest] = basic ? Buffer.from(basic, "base64").toString("utf8").split(":") : [];
    const password = rest.join(":");
    const email =
      user === "oauth2accesstoken"
        ? accessTokenEmail(password)
        : user === "_json_key"
          ? keyEmail(password)
          : user === "_json_key_base64"
            ? keyEmail(Buffer.from(password, "base64").toString("utf8"))
            : undefined;
    if (!email) {
      refusals.push(`token: refused login as ${JSON.stringify(user ?? "(none)")}`);
      return json(res, 401, { errors: [{ code: "UNAUTHORIZED", message: "Not Authorized." }] });
    }
    logins.push({ kind: user as "oauth2accesstoken", email });
    const token = randomBytes(24).toString("base64url");
    registryTokens.set(token, Date.now() + REGISTRY_TOKEN_LIFETIME_S * 1000);
    json(res, 200, { token, expires_in: REGISTRY_TOKEN_LIFETIME_S });
  }

  function accessTokenEmail(token: string): string | undefined {
    const minted = tokens.check(`Bearer ${token}`, REGISTRY_SCOPES);
    return minted && minted !== "expired" ? minted.email : undefined;
  }

  function keyEmail(keyJson: string): string | undefined {
    // AR checks the key with Google; here: the exact key text of a known account.
    return accounts().find((account) => account.keyJson === keyJson)?.email;
  }

  function forward(req: IncomingMessage, res: ServerResponse): void {
    const { authorization: _dropped, ...headers } = req.headers;
    forwardUntouched(req, res, new URL(backend.url), agent, { headers });
  }

  const { port, close } = await listenOnLoopback(server);
  realm = `http://127.0.0.1:${port}/v2/token`;
  return {
    host: `127.0.0.1:${port}`,
    backend,
    logins: () => [...logins],
    refusals: () => [...refusals],
    stop: async () => {
      await close();
      agent.destroy();
      await backend.stop();
    },
  };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res
    .writeHead(status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(text),
      "docker-distribution-api-version": "registry/2.0",
      ...headers,
    })
    .end(text);
}
