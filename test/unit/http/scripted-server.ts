import { createServer, IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { AddressInfo } from "node:net";

/** A loopback HTTP server answering each request with the next handler (the last repeats), recording what it got. */
export interface ScriptedServer {
  origin: string;
  host: string;
  seen: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[];
  /** TCP connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export async function scriptedServer(handlers: Handler[]): Promise<ScriptedServer> {
  const seen: ScriptedServer["seen"] = [];
  let connections = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      handlers[Math.min(seen.length - 1, handlers.length - 1)](req, res);
    });
  });
  server.on("connection", () => connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  server.unref();
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    seen,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export const answer =
  (status: number, headers: Record<string, string> = {}, body = ""): Handler =>
  (_req, res) =>
    res.writeHead(status, headers).end(body);

/** Never answers: the request stays in flight until the client gives up. */
export const hang: Handler = () => {};
