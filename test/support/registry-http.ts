import { readFileSync } from "node:fs";
import { request as httpRequest, IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import type { RegistryServer } from "./registry-server";

/**
 * Just enough of the registry HTTP API for the test bed to do what skopeo cannot do
 * quickly: put one more tag on a manifest already in the repository. Deliberately
 * separate from registry-dr's own client, which is what the tests are checking.
 */

export interface HttpResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface HttpRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** PEM of a CA to trust (a test registry's self-signed certificate). */
  ca?: Buffer;
}

export function send(req: HttpRequest): Promise<HttpResult> {
  const url = new URL(req.url);
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method: req.method,
        headers: { ...req.headers, ...(req.body ? { "content-length": String(req.body.length) } : {}) },
        ...(req.ca ? { ca: req.ca } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      },
    );
    outgoing.on("error", reject);
    outgoing.end(req.body);
  });
}

/**
 * Sends a request to a test registry, answering its Basic or Bearer challenge with
 * `creds` ("user:password") when it asks. Bearer tokens are cached per scope.
 */
export class RegistryHttp {
  private readonly ca?: Buffer;
  private readonly tokens = new Map<string, string>();

  constructor(
    private readonly registry: Pick<RegistryServer, "url" | "caCertPath">,
    private readonly creds?: string,
  ) {
    if (registry.caCertPath) this.ca = readFileSync(registry.caCertPath);
  }

  async request(method: string, path: string, scope: string, headers: Record<string, string> = {}, body?: Buffer): Promise<HttpResult> {
    const url = `${this.registry.url}${path}`;
    const cached = this.tokens.get(scope);
    const first = await send({ method, url, headers: { ...headers, ...this.authorization(cached) }, body, ca: this.ca });
    if (first.status !== 401) return first;
    const challenge = String(first.headers["www-authenticate"] ?? "");
    if (/^basic/i.test(challenge) && this.creds) {
      return send({ method, url, headers: { ...headers, authorization: basic(this.creds) }, body, ca: this.ca });
    }
    if (/^bearer/i.test(challenge)) {
      const token = await this.fetchToken(challenge, scope);
      this.tokens.set(scope, token);
      return send({ method, url, headers: { ...headers, ...this.authorization(token) }, body, ca: this.ca });
    }
    return first;
  }

  /** PUTs manifest bytes under `reference` (a tag) and checks the digest the registry computed. */
  async putManifest(repository: string, reference: string, manifest: Buffer, mediaType: string, expectedDigest: string): Promise<void> {
    const result = await this.request(
      "PUT",
      `/v2/${repository}/manifests/${reference}`,
      `repository:${repository}:pull,push`,
      { "content-type": mediaType },
      manifest,
    );
    if (result.status !== 201)
      throw new Error(`PUT ${repository}:${reference} on ${this.registry.url}: HTTP ${result.status} ${result.body.toString("utf8").trim()}`);
    const digest = result.headers["docker-content-digest"];
    if (digest !== expectedDigest) throw new Error(`PUT ${repository}:${reference}: the registry stored ${digest}, expected ${expectedDigest}`);
  }

  private authorization(token: string | undefined): Record<string, string> {
    return token ? { authorization: `Bearer ${token}` } : {};
  }

  private async fetchToken(challenge: string, scope: string): Promise<string> {
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1].toLowerCase(), m[2]]));
    if (!params.realm) throw new Error(`a Bearer challenge without a realm: ${challenge}`);
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set("service", params.service);
    url.searchParams.set("scope", scope);
    const result = await send({ method: "GET", url: url.toString(), headers: this.creds ? { authorization: basic(this.creds) } : {} });
    if (result.status !== 200) throw new Error(`token server ${url.origin}: HTTP ${result.status} ${result.body.toString("utf8").trim()}`);
    const parsed = JSON.parse(result.body.toString("utf8")) as { token?: string; access_token?: string };
    const token = parsed.token ?? parsed.access_token;
    if (!token) throw new Error(`token server ${url.origin} answered without a token`);
    return token;
  }
}

function basic(creds: string): string {
  return `Basic ${Buffer.from(creds).toString("base64")}`;
}
