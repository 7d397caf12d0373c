import { IncomingMessage, Server, ServerResponse, createServer } from "node:http";
import { EventFormatError, ReadEvents, Sender, WatchService, distributionEvents, harborEvents, isRegistryHost } from "../../provider/watch";
import { METRICS_CONTENT_TYPE } from "../../provider/watch/watch-metrics";

/**
 * The watcher's HTTP face: `POST /events/distribution` and `POST /events/harbor` take events
 * (authenticated by the shared secret), `/healthz` answers while the process runs, `/readyz`
 * once the first resync is done, `/metrics` in Prometheus' text format. An event endpoint
 * may name the registry its events come from (`?registry=HOST`), where the events do not.
 */

/** Larger bodies are refused unread: distribution sends a few events per request. */
export const MAX_EVENT_BODY = 1024 * 1024;

const READERS: Record<string, { sender: Sender; read: (body: unknown, registry: string | undefined, receivedAt: number) => ReadEvents }> = {
  "/events/distribution": { sender: "distribution", read: distributionEvents },
  "/events/harbor": { sender: "harbor", read: harborEvents },
};

export interface EventServerOptions {
  service: WatchService;
  authorized(authorization: string | undefined): boolean;
  /** When true, event endpoints answer 503 (draining). */
  draining(): boolean;
  log(line: string): void;
}

export function eventServer(options: EventServerOptions): Server {
  return createServer((request, response) => {
    handle(request, response, options).catch((error) => {
      options.log(`request failed: ${(error as Error).message}`);
      if (!response.headersSent) answer(response, 500, "internal error\n");
      else response.destroy();
    });
  });
}

async function handle(request: IncomingMessage, response: ServerResponse, options: EventServerOptions): Promise<void> {
  const url = new URL(request.url ?? "/", "http://watcher");
  if (request.method === "GET" && url.pathname === "/healthz") return answer(response, 200, "ok\n");
  if (request.method === "GET" && url.pathname === "/readyz")
    return options.service.ready && !options.draining() ? answer(response, 200, "ready\n") : answer(response, 503, "not ready: the first resync is running\n");
  if (request.method === "GET" && url.pathname === "/metrics") {
    const text = await options.service.metrics.registry.metrics();
    return answer(response, 200, text, METRICS_CONTENT_TYPE);
  }
  const reader = Object.hasOwn(READERS, url.pathname) ? READERS[url.pathname] : undefined;
  if (!reader) return answer(response, 404, "not found: events go to POST /events/distribution or /events/harbor\n");
  if (request.method !== "POST") return answer(response, 405, "expected POST\n", undefined, { allow: "POST" });
  // Refused before the body is read, and logged without it: an unauthenticated body is noise at best.
  if (!options.authorized(request.headers.authorization)) {
    options.service.count(reader.sender, "refused");
    options.log(`refused an event request to ${url.pathname} from ${request.socket.remoteAddress}: no valid shared secret`);
    request.resume();
    return answer(response, 401, "unauthorized: expected Authorization: Bearer <the shared secret>\n");
  }
  if (options.draining()) {
    request.resume();
    return answer(response, 503, "shutting down: send again later\n", undefined, { "retry-after": "5" });
  }
  const registry = url.searchParams.get("registry") ?? undefined;
  if (registry !== undefined && !isRegistryHost(registry)) return answer(response, 400, "?registry= expects a registry host such as harbor.example.com\n");
  const body = await readBody(request);
  if (body === undefined) {
    // The rest of the body is never read: the connection closes once the answer is out.
    response.once("finish", () => request.socket.destroy());
    return answer(response, 413, `an event body is at most ${MAX_EVENT_BODY} bytes\n`, undefined, { connection: "close" });
  }
  let read: ReadEvents;
  try {
    read = reader.read(JSON.parse(body), registry, Date.now());
  } catch (error) {
    if (!(error instanceof SyntaxError || error instanceof EventFormatError)) throw error;
    options.service.count(reader.sender, "ignored");
    return answer(response, 400, `${error instanceof SyntaxError ? "expected JSON" : error.message}\n`);
  }
  for (const problem of read.ignored) options.log(`ignored: ${problem}`);
  if (read.ignored.length > 0) options.service.count(reader.sender, "ignored", read.ignored.length);
  const outcome = options.service.receive(reader.sender, read.events);
  if (outcome === "full") {
    options.log("the copy queue is full: asked the sender to send again later");
    return answer(response, 503, "the copy queue is full: send again later\n", undefined, { "retry-after": "10" });
  }
  return answer(response, 202, `${outcome}\n`);
}

/** The body as text, or undefined once it passes MAX_EVENT_BODY (the rest is not read). */
function readBody(request: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_EVENT_BODY) return void chunks.push(chunk);
      request.pause();
      request.removeAllListeners("data");
      resolve(undefined);
    });
    request.once("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.once("error", reject);
  });
}

function answer(response: ServerResponse, status: number, text: string, type = "text/plain; charset=utf-8", headers: Record<string, string> = {}): void {
  response.writeHead(status, { "content-type": type, ...headers });
  response.end(text);
}
