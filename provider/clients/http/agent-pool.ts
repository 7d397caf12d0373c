import type { Agent as UndiciAgent, Dispatcher } from "undici";

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

function loadUndici(): { Agent: typeof UndiciAgent; request(agent: UndiciAgent, options: RequestOptions): Promise<ResponseData> } {
  try {
    const Agent = require("undici/lib/dispatcher/agent.js");
    const request = require("undici/lib/api/api-request.js");
    if (typeof Agent === "function" && typeof request === "function") return { Agent, request: (agent, options) => request.call(agent, options) };
  } catch {
    // Fall through to the public API.
  }
  const { Agent } = require("undici") as typeof import("undici");
  return { Agent, request: (agent, options) => agent.request(options) };
}

/**
 * Keep-alive connection pools: one undici Agent (which keeps a pool per origin) for
 * verified TLS and one for `insecure` requests, created on first use and owned by the instance.
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
  private readonly agents = new Map<boolean, UndiciAgent>();

  constructor(private readonly options: ConnectionOptions = {}) {}

  request(insecure: boolean, options: RequestOptions): Promise<ResponseData> {
    return undici.request(this.agent(insecure), options);
  }

  private agent(insecure: boolean): UndiciAgent {
    let agent = this.agents.get(insecure);
    if (!agent) {
      agent = new undici.Agent({
        connections: this.options.connectionsPerOrigin ?? 16,
        headersTimeout: this.options.headersTimeoutMs ?? 60_000,
        bodyTimeout: this.options.bodyTimeoutMs ?? 120_000,
        keepAliveTimeout: this.options.keepAliveTimeoutMs ?? 30_000,
        connect: { timeout: this.options.connectTimeoutMs ?? 10_000, rejectUnauthorized: !insecure },
      });
      this.agents.set(insecure, agent);
    }
    return agent;
  }

  async close(): Promise<void> {
    const agents = [...this.agents.values()];
    this.agents.clear();
    await Promise.all(agents.map((agent) => agent.close()));
  }
}
