import { isIP } from "node:net";
import type { Agent as UndiciAgent, Dispatcher, buildConnector as BuildConnector } from "undici";
import { HostRoute, connectionKey, tlsOptionsOf } from "./host-routes";

/**
 * undici's Agent and its `request` alone: undici's index loads every feature it has (fetch,
 * WebSocket, caches) and then attaches `request` to every dispatcher, 40-70 ms of start-up in
 * a command whose whole no-op resync takes a few hundred. These two paths are undici's own file
 * layout (the package has no exports map, and its version is pinned); should they ever move,
 * the public API is used instead.
 */
const undici = loadUndici();

type RequestOptions = Dispatcher.RequestOptions;
type ResponseData = Dispatcher.ResponseData;

interface UndiciParts {
  Agent: typeof UndiciAgent;
  buildConnector: typeof BuildConnector;
  request(agent: UndiciAgent, options: RequestOptions): Promise<ResponseData>;
}

function loadUndici(): UndiciParts {
  try {
    const Agent = require("undici/lib/dispatcher/agent.js");
    const request = require("undici/lib/api/api-request.js");
    const buildConnector = require("undici/lib/core/connect.js");
    if (typeof Agent === "function" && typeof request === "function" && typeof buildConnector === "function")
      return { Agent, buildConnector, request: (agent, options) => request.call(agent, options) };
  } catch {
    // Fall through to the public API.
  }
  const { Agent, buildConnector } = require("undici") as typeof import("undici");
  return { Agent, buildConnector, request: (agent, options) => agent.request(options) };
}

/**
 * Keep-alive connection pools: one undici Agent (which keeps a pool per origin) for each way of
 * connecting: verified TLS, `insecure`, and each host route (its CAs, client certificate,
 * address), created on first use and owned by the instance.
 */

export interface ConnectionOptions {
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  /** Longest silence while a body streams; long transfers are fine as long as bytes flow. */
  bodyTimeoutMs?: number;
  connectionsPerOrigin?: number;
  /** How long an idle connection is kept for the next request. */
  keepAliveTimeoutMs?: number;
}

export class AgentPool {
  private readonly agents = new Map<string, UndiciAgent>();

  constructor(private readonly options: ConnectionOptions = {}) {}

  request(insecure: boolean, options: RequestOptions, route?: HostRoute): Promise<ResponseData> {
    return undici.request(this.agent(insecure, route), options);
  }

  private agent(insecure: boolean, route: HostRoute | undefined): UndiciAgent {
    const key = connectionKey(insecure, route);
    let agent = this.agents.get(key);
    if (!agent) {
      agent = new undici.Agent({
        connections: this.options.connectionsPerOrigin ?? 16,
        headersTimeout: this.options.headersTimeoutMs ?? 60_000,
        bodyTimeout: this.options.bodyTimeoutMs ?? 120_000,
        keepAliveTimeout: this.options.keepAliveTimeoutMs ?? 30_000,
        connect: this.connector(insecure, route),
      });
      this.agents.set(key, agent);
    }
    return agent;
  }

  /** undici's own connector; with an address, the socket goes there while SNI and certificate checks keep the name. */
  private connector(insecure: boolean, route: HostRoute | undefined) {
    const tls = { timeout: this.options.connectTimeoutMs ?? 10_000, rejectUnauthorized: !insecure, ...tlsOptionsOf(route?.trust) };
    const address = route?.address;
    if (!address) return tls;
    const connect = undici.buildConnector(tls);
    const redirected: typeof connect = (options, callback) =>
      connect({ ...options, hostname: address, servername: options.servername || serverNameOf(options.hostname) }, callback);
    return redirected;
  }

  /**
   * Waits for requests in flight, unless `abandon`: then they are torn down. A cancelled run
   * must not wait for them: undici keeps a connection attempt (a TLS handshake with a peer that
   * never answers) past its request's abort, until the connect timeout.
   */
  async close(abandon = false): Promise<void> {
    const agents = [...this.agents.values()];
    this.agents.clear();
    await Promise.all(agents.map((agent) => (abandon ? agent.destroy() : agent.close())));
  }
}

/** SNI takes a DNS name only; an IP literal is checked against the certificate's IP entries instead. */
function serverNameOf(hostname: string): string | undefined {
  return isIP(hostname.replace(/^\[|\]$/g, "")) ? undefined : hostname;
}
