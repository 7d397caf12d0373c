import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import { resolve, sep } from "node:path";
import { listenOnLoopback } from "./loopback-server";

/**
 * Stands in for the object store (S3, GCS, a CDN) that a registry redirects blob reads to.
 * It serves the registry's own filesystem storage: distribution's `redirect` storage
 * middleware answers a blob GET with a 307 to `<baseurl><storage path>`, where the storage
 * path is the driver path, e.g. /docker/registry/v2/blobs/sha256/ab/ab12…/data, which is the
 * same path under the filesystem driver's root directory.
 *
 * Such hosts are pre-signed and must never receive the registry's credentials: a request
 * carrying Authorization is refused with 400 and recorded as a violation.
 */

export interface BlobFileServer {
  /** "http://127.0.0.2:PORT": a different host from the registry's, so clients must treat it as foreign. */
  baseUrl: string;
  violations(): string[];
  stop(): Promise<void>;
}

export async function startBlobFileServer(rootDir: string, host = "127.0.0.2"): Promise<BlobFileServer> {
  const root = resolve(rootDir);
  const violations: string[] = [];
  const server: Server = createServer((req, res) => {
    serve(root, req, res, violations).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(error));
    });
  });
  const { port, close } = await listenOnLoopback(server, host);
  return {
    baseUrl: `http://${host}:${port}`,
    violations: () => [...violations],
    stop: close,
  };
}

async function serve(root: string, req: IncomingMessage, res: ServerResponse, violations: string[]): Promise<void> {
  const method = req.method ?? "GET";
  const path = decodeURIComponent(new URL(req.url ?? "/", "http://blob-host").pathname);
  if (req.headers.authorization !== undefined) {
    violations.push(`${method} ${path} carried an Authorization header (${req.headers.authorization.split(" ")[0]} …)`);
    res.writeHead(400, { "content-type": "text/plain" }).end("this host never takes credentials\n");
    return;
  }
  if (method !== "GET" && method !== "HEAD") {
    res.writeHead(405, { allow: "GET, HEAD" }).end();
    return;
  }
  const file = resolve(root, `.${path}`);
  if (file !== root && !file.startsWith(root + sep)) {
    res.writeHead(403).end();
    return;
  }
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) {
    res.writeHead(404, { "content-type": "text/plain" }).end("no such blob\n");
    return;
  }
  // Object stores honour single ranges; clients resuming a broken download rely on it.
  const range = parseRange(req.headers.range, info.size);
  if (range === "unsatisfiable") {
    res.writeHead(416, { "content-range": `bytes */${info.size}` }).end();
    return;
  }
  const [start, end] = range ?? [0, info.size - 1];
  const headers: Record<string, string | number> = {
    "content-type": "application/octet-stream",
    "content-length": end - start + 1,
    "accept-ranges": "bytes",
  };
  if (range) headers["content-range"] = `bytes ${start}-${end}/${info.size}`;
  res.writeHead(range ? 206 : 200, headers);
  if (method === "HEAD" || info.size === 0) {
    res.end();
    return;
  }
  const stream = createReadStream(file, { start, end });
  stream.on("error", (error) => res.destroy(error));
  stream.pipe(res);
}

function parseRange(header: string | undefined, size: number): [number, number] | "unsatisfiable" | undefined {
  const match = header?.match(/^bytes=(\d*)-(\d*)$/);
  if (!match || (match[1] === "" && match[2] === "")) return undefined;
  let start: number;
  let end: number;
  if (match[1] === "") {
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  return start > end || start >= size ? "unsatisfiable" : [start, end];
}
