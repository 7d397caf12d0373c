import { Agent } from "undici";

/**
 * Keep-alive connection pools: one undici Agent (which keeps a pool per origin) for
 * verified TLS and one for `insecure` requests, created on first use and owned by the
 * instance, so a Pulumi dynamic provider that imports this module still serializes.
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
  private readonly agents = new Map<boolean, Agent>();

  constructor(private readonly options: ConnectionOptions = {}) {}

  agent(insecure: boolean): Agent {
    let agent = this.agents.get(insecure);
    if (!agent) {
      agent = new Agent({
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
