import { Agent, createServer, request } from "node:http";
import { listenOnLoopback } from "./loopback-server";
import { RegistryServer, startRegistry } from "./registry-server";

/**
 * A registry that ignores cross-repository mounts, as the spec allows ("if a registry does not
 * support cross-repository mounting ... it SHOULD return a 202"): a real docker-registry behind
 * a front that drops `mount` and `from` from upload POSTs, so every mount opens an upload
 * session, even for a blob the repository already holds. With `refuse`, the front answers
 * mounts with 405 instead, as registries that reject the parameters do. Everything else passes
 * through, with the front's Host so Location headers point back at it; the backend's access
 * log records what the registry did.
 */
export interface MountIgnoringRegistry {
  /** "127.0.0.1:PORT" of the front */
  host: string;
  backend: RegistryServer;
  /** Mount requests answered as plain upload starts (or refused). */
  ignoredMounts(): number;
  stop(): Promise<void>;
}

export async function startMountIgnoringRegistry(options: { refuse?: boolean } = {}): Promise<MountIgnoringRegistry> {
  const backend = await startRegistry();
  const agent = new Agent({ keepAlive: true });
  let ignored = 0;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://front");
    if (req.method === "POST" && url.searchParams.has("mount")) {
      ignored++;
      if (options.refuse) {
        req.resume();
        const body = JSON.stringify({ errors: [{ code: "UNSUPPORTED", message: "blob mounts are not supported" }] });
        return res.writeHead(405, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }).end(body);
      }
      url.searchParams.delete("mount");
      url.searchParams.delete("from");
    }
    const target = new URL(backend.url);
    const outgoing = request({ host: target.hostname, port: target.port, method: req.method, path: `${url.pathname}${url.search}`, headers: req.headers, agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
      answer.pipe(res);
    });
    outgoing.on("error", (error) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
      res.end(`front: ${error.message}`);
    });
    req.pipe(outgoing);
  });
  const { port, close } = await listenOnLoopback(server);
  return {
    host: `127.0.0.1:${port}`,
    backend,
    ignoredMounts: () => ignored,
    stop: async () => {
      await close();
      agent.destroy();
      await backend.stop();
    },
  };
}
