import { Agent, createServer, ServerResponse } from "node:http";
import { listenOnLoopback } from "./loopback-server";
import { RegistryServer, startRegistry } from "./registry-server";
import { forward } from "./tag-pagination-proxy";

/**
 * A real docker-registry behind a front that behaves as some registries do where the spec
 * leaves room, for the copier's shortcuts to be tested against:
 * - `mounts: "ignore"`: upload POSTs lose `mount` and `from`, so every mount opens an upload
 *   session, even for a blob the repository holds ("if a registry does not support
 *   cross-repository mounting ... it SHOULD return a 202"); `"refuse"`: mounts are answered
 *   405, as registries that reject the parameters do.
 * - `tagLists: "refuse"`: tag lists are answered 403, as for credentials that may pull and
 *   push but not list.
 * Everything else passes through with the front's Host, so Location headers point back at
 * it; the backend's access log records what the registry did.
 */
export interface QuirkyRegistryOptions {
  mounts?: "ignore" | "refuse";
  tagLists?: "refuse";
}

export interface QuirkyRegistry {
  /** "127.0.0.1:PORT" of the front */
  host: string;
  backend: RegistryServer;
  /** Mount requests answered as plain upload starts, or refused. */
  ignoredMounts(): number;
  stop(): Promise<void>;
}

export async function startQuirkyRegistry(options: QuirkyRegistryOptions): Promise<QuirkyRegistry> {
  const backend = await startRegistry();
  const agent = new Agent({ keepAlive: true });
  let ignored = 0;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://front");
    if (options.tagLists === "refuse" && url.pathname.endsWith("/tags/list")) {
      req.resume();
      return answerError(res, 403, "DENIED", "requested access to the resource is denied");
    }
    if (req.method === "POST" && url.searchParams.has("mount") && options.mounts) {
      ignored++;
      if (options.mounts === "refuse") {
        req.resume();
        return answerError(res, 405, "UNSUPPORTED", "blob mounts are not supported");
      }
      url.searchParams.delete("mount");
      url.searchParams.delete("from");
    }
    forward(req, res, new URL(backend.url), agent, { path: `${url.pathname}${url.search}` });
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

function answerError(res: ServerResponse, status: number, code: string, message: string): void {
  const body = JSON.stringify({ errors: [{ code, message }] });
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }).end(body);
}
