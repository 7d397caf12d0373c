import { HostRoutes, mergeRoutes } from "../clients/http";
import { HttpTransport } from "../clients/oci";
import { AccessMap, accessKeyFor } from "./registry-credentials";
import { registryClientFor } from "./registry-logins";
import { trustRoutes } from "./registry-pool";

/**
 * Closes upload sessions a failed or cancelled transfer leaves open. A registry keeps a
 * session's partial data until it purges stale uploads, days later, so a cancelled run
 * would leave gigabytes behind. The run's own connections are useless here once the run is
 * cancelled (its signal aborts every request), so this uses a fresh transport with short
 * deadlines and no retries: best effort, and bounded (a few seconds) so a dead registry
 * cannot hold the exit.
 */

const CLEANUP_TRANSPORT = { connectTimeoutMs: 2_000, headersTimeoutMs: 3_000, bodyTimeoutMs: 3_000, retry: { maxRetries: 0 } };
const CLEANUP_DEADLINE_MS = 5_000;

export class UploadCleanup {
  constructor(
    private readonly access: AccessMap,
    /** The run's own routes (--cert-dir), besides the auth entries' trust. */
    private readonly routes?: HostRoutes,
  ) {}

  /** DELETEs the session on a fresh connection; the status answered, undefined when none came. Never throws. */
  async cancel(host: string, repository: string, uploadUrl: URL): Promise<number | undefined> {
    const transport = new HttpTransport({ ...CLEANUP_TRANSPORT, routes: mergeRoutes(this.routes, trustRoutes(this.access)) });
    const key = accessKeyFor(this.access, { registry: host, repository });
    const client = registryClientFor(host, key ? this.access[key] : undefined, transport);
    try {
      return await withDeadline(client.cancelUpload(repository, uploadUrl), CLEANUP_DEADLINE_MS);
    } catch {
      // Best effort: the registry's own upload purging is the fallback.
      return undefined;
    } finally {
      await Promise.all([client.close().catch(() => {}), transport.close().catch(() => {})]);
    }
  }
}

function withDeadline(work: Promise<number>, ms: number): Promise<number | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}
