import { createServer, IncomingMessage, request, ServerResponse } from "node:http";
import { createServer as createTcpServer, Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { listenOnLoopback } from "./loopback-server";

/**
 * Registries that misbehave the way real networks and proxies do, for deadline and
 * secret tests. Each is a loopback server; `host` is "127.0.0.1:PORT".
 */

export interface Front {
  host: string;
  /** Requests seen, as "METHOD path". */
  requests: string[];
  close(): Promise<void>;
}

/** Accepts TCP connections and never answers: a blackholed host behind a load balancer. */
export async function startBlackhole(): Promise<Front & { connections(): number }> {
  const sockets: Socket[] = [];
  const server = createTcpServer((socket) => {
    sockets.push(socket);
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  server.unref();
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: [],
    connections: () => sockets.length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface FrontOptions {
  /** Blob GETs answered 200 send their body one byte every this many ms. */
  trickleBlobsMs?: number;
  /** Requests whose "METHOD path" matches are refused with a 400 whose body echoes the request's headers, as some proxies do. */
  refuseEchoingHeaders?: RegExp;
  /**
   * Requests whose "METHOD path" matches are refused with a 400 whose body carries the request's
   * Basic credentials in other forms: decoded (`user:password`, first), URL-encoded
   * (`Basic%20...%3D%3D`) and as bare base64.
   */
  refuseEchoingCredentials?: RegExp;
  /** The refusals above answer only requests that carry credentials: the first, bare one gets the registry's challenge, so the client sends them. */
  refuseOnlyWithCredentials?: boolean;
  /** Requests whose "METHOD path" matches are held this long before they are forwarded: a standby slow to answer. */
  delay?: { requests: RegExp; ms: number };
  /**
   * Answers a request itself instead of passing it on, when this returns an answer: a registry
   * serving what it likes (a huge manifest, an endless tag list, a child that never answers).
   */
  answer?: (req: IncomingMessage) => FrontAnswer | undefined;
}

export interface FrontAnswer {
  status: number;
  headers?: Record<string, string>;
  /**
   * The body: bytes, or chunks made one at a time as the client reads them, so an answer of
   * gigabytes is served without ever being held (by the front or the test).
   */
  body?: Buffer | (() => Iterable<Buffer>);
  /** Never answer at all: the request stays open until the client gives up. */
  hang?: boolean;
}

/** A reverse proxy in front of a plain-HTTP registry, misbehaving as configured. */
export async function startFront(upstream: string, options: FrontOptions): Promise<Front> {
  const requests: string[] = [];
  const upstreamUrl = new URL(upstream);
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const refusing = !options.refuseOnlyWithCredentials || req.headers.authorization !== undefined;
    if (refusing && options.refuseEchoingHeaders?.test(`${req.method} ${req.url}`)) return refuseEchoing(req, res);
    if (refusing && options.refuseEchoingCredentials?.test(`${req.method} ${req.url}`)) return refuseEchoingCredentials(req, res);
    const own = options.answer?.(req);
    if (own) return answerWith(own, req, res);
    if (options.delay?.requests.test(`${req.method} ${req.url}`)) {
      const timer = setTimeout(() => pass(req, res), options.delay.ms);
      res.on("close", () => clearTimeout(timer));
      return;
    }
    pass(req, res);
  });
  const listening = await listenOnLoopback(server);
  return { host: `127.0.0.1:${listening.port}`, requests, close: listening.close };

  function pass(req: IncomingMessage, res: ServerResponse): void {
    const forward = request(
      { host: upstreamUrl.hostname, port: upstreamUrl.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstreamUrl.host } },
      (answer) => {
        const headers = { ...answer.headers };
        if (typeof headers.location === "string") headers.location = headers.location.replace(upstreamUrl.origin, `http://${req.headers.host}`);
        const isBlobGet = req.method === "GET" && /\/blobs\/sha256:/.test(req.url ?? "") && answer.statusCode === 200;
        if (options.trickleBlobsMs !== undefined && isBlobGet) return trickle(answer, res, headers, options.trickleBlobsMs);
        res.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(res);
      },
    );
    forward.on("error", () => res.destroy());
    req.pipe(forward);
  }
}

function answerWith(answer: FrontAnswer, req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  if (answer.hang) return;
  const body = answer.body;
  if (body === undefined || Buffer.isBuffer(body)) {
    res.writeHead(answer.status, { "content-length": String(body?.length ?? 0), ...answer.headers });
    res.end(req.method === "HEAD" ? undefined : body);
    return;
  }
  res.writeHead(answer.status, answer.headers);
  if (req.method === "HEAD") return void res.end();
  const chunks = body()[Symbol.iterator]();
  // Written as the client drains them: a client that stops reading stops the front too.
  const pump = () => {
    for (;;) {
      if (res.destroyed) return;
      const next = chunks.next();
      if (next.done) return void res.end();
      if (!res.write(next.value)) return void res.once("drain", pump);
    }
  };
  res.on("error", () => {});
  pump();
}

function trickle(answer: IncomingMessage, res: ServerResponse, headers: IncomingMessage["headers"], everyMs: number): void {
  const chunks: Buffer[] = [];
  answer.on("data", (chunk: Buffer) => chunks.push(chunk));
  answer.on("end", () => {
    const body = Buffer.concat(chunks);
    res.writeHead(200, headers);
    res.flushHeaders();
    let sent = 0;
    const timer = setInterval(() => {
      if (res.destroyed || sent >= body.length) {
        clearInterval(timer);
        res.end();
        return;
      }
      res.write(body.subarray(sent, ++sent));
    }, everyMs);
    res.on("close", () => clearInterval(timer));
  });
}

function refuseEchoing(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  req.on("end", () => {
    // Authorization first: clients quote the start of a body they cannot parse.
    const lines = Object.entries(req.headers)
      .sort(([a]) => (a === "authorization" ? -1 : 0))
      .map(([name, value]) => `${name}: ${value}`);
    const body = `Bad Request. Your request was:\n${lines.join("\n")}\n`;
    res.writeHead(400, { "content-type": "text/plain", "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
}

function refuseEchoingCredentials(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  req.on("end", () => {
    const encoded = /^Basic (.+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "";
    const decoded = Buffer.from(encoded, "base64").toString("utf8");
    const body = `${decoded} is not allowed here; forwarded as Basic%20${encodeURIComponent(encoded)} (base64 ${encoded})\n`;
    res.writeHead(400, { "content-type": "text/plain", "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
}

/**
 * How an endpoint may misanswer a request it would otherwise answer well: `oversized`, the
 * answer padded with whitespace to `bytes` (streamed chunked, so only reading shows the size);
 * `drip`, the answer after `bytes` of whitespace sent one byte every `everyMs` (each read waits
 * less than any silence timeout, the whole takes as long as the sender likes).
 */
export type AnswerFault = { kind: "oversized"; bytes: number } | { kind: "drip"; bytes: number; everyMs: number };

/** What a faulty answer came to: bytes written before the client went away, and whether all were sent. */
export interface FaultyAnswerLog {
  written: number;
  finished: boolean;
}

/** Sends `json` as `fault` says, valid JSON throughout (whitespace is legal before it). */
export function sendFaultyAnswer(res: ServerResponse, status: number, json: string, fault: AnswerFault, log: FaultyAnswerLog): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.flushHeaders();
  const chunkSize = fault.kind === "oversized" ? 64 * 1024 : 1;
  const padding = Buffer.alloc(chunkSize, " ");
  let left = fault.bytes;
  const next = (): void => {
    if (res.destroyed) return;
    if (left <= 0) {
      res.end(json, () => (log.finished = true));
      log.written += Buffer.byteLength(json);
      return;
    }
    const chunk = padding.subarray(0, Math.min(chunkSize, left));
    left -= chunk.length;
    log.written += chunk.length;
    const flowing = res.write(chunk);
    if (fault.kind === "drip") setTimeout(next, fault.everyMs);
    else if (flowing) setImmediate(next);
    else res.once("drain", next);
  };
  next();
}
