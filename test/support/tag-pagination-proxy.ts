import { Agent, createServer, IncomingHttpHeaders, IncomingMessage, request, Server, ServerResponse } from "node:http";
import { listenOnLoopback } from "./loopback-server";

/**
 * Distribution 2.8 ignores `n` and `last` on GET /v2/<name>/tags/list and always returns
 * every tag without a Link header (pagination came in distribution 3). Registries such as
 * Harbor, GHCR or Docker Hub do paginate, so a test of a client's Link-following puts this
 * proxy in front of the registry: tag lists asked for with `n` are cut into pages with a
 * `Link: <…>; rel="next"` header; every other request passes through untouched, with its
 * Host header, so the registry builds Location URLs that point back at the proxy.
 */

export interface TagPaginationProxy {
  /** "127.0.0.1:PORT" of the proxy. */
  host: string;
  stop(): Promise<void>;
}

const TAGS_LIST = /^\/v2\/(.+)\/tags\/list$/;

export async function startTagPaginationProxy(upstream: URL): Promise<TagPaginationProxy> {
  const agent = new Agent({ keepAlive: true });
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://proxy");
    const match = TAGS_LIST.exec(url.pathname);
    if (req.method === "GET" && match && url.searchParams.has("n")) paginate(req, res, upstream, agent, match[1], url);
    else forward(req, res, upstream, agent);
  });
  const { port, close } = await listenOnLoopback(server);
  return {
    host: `127.0.0.1:${port}`,
    stop: async () => {
      await close();
      agent.destroy();
    },
  };
}

/**
 * Passes a request to the registry untouched, Host header included (its Location URLs then
 * point back here), but for the path or headers a front rewrites.
 */
export function forward(
  req: IncomingMessage,
  res: ServerResponse,
  upstream: URL,
  agent: Agent,
  rewritten: { path?: string; headers?: IncomingHttpHeaders } = {},
): void {
  const outgoing = request(
    { host: upstream.hostname, port: upstream.port, method: req.method, path: rewritten.path ?? req.url, headers: rewritten.headers ?? req.headers, agent },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
      answer.pipe(res);
    },
  );
  outgoing.on("error", (error) => fail(res, error));
  req.pipe(outgoing);
}

/** Asks the registry for the whole list (it logs the request as sent) and serves one page of it. */
function paginate(req: IncomingMessage, res: ServerResponse, upstream: URL, agent: Agent, name: string, url: URL): void {
  const outgoing = request({ host: upstream.hostname, port: upstream.port, method: "GET", path: req.url, headers: req.headers, agent }, (answer) => {
    const chunks: Buffer[] = [];
    answer.on("data", (chunk: Buffer) => chunks.push(chunk));
    answer.on("end", () => {
      const body = Buffer.concat(chunks);
      if (answer.statusCode !== 200) {
        res.writeHead(answer.statusCode ?? 502, answer.rawHeaders).end(body);
        return;
      }
      const list = JSON.parse(body.toString("utf8")) as { name: string; tags: string[] | null };
      const n = Math.max(0, Number(url.searchParams.get("n")) || 0);
      const last = url.searchParams.get("last");
      // Lexical order, as the distribution spec prescribes for tag lists.
      const after = (list.tags ?? [])
        .slice()
        .sort()
        .filter((tag) => last === null || tag > last);
      const page = n > 0 ? after.slice(0, n) : after;
      const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8", "docker-distribution-api-version": "registry/2.0" };
      if (page.length < after.length) headers.link = `</v2/${name}/tags/list?n=${n}&last=${encodeURIComponent(page[page.length - 1])}>; rel="next"`;
      const json = Buffer.from(JSON.stringify({ name: list.name, tags: page }));
      headers["content-length"] = String(json.length);
      res.writeHead(200, headers).end(json);
    });
    answer.on("error", (error) => fail(res, error));
  });
  outgoing.on("error", (error) => fail(res, error));
  outgoing.end();
}

export function fail(res: ServerResponse, error: Error): void {
  if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
  res.end(`proxy: ${error.message}`);
}
