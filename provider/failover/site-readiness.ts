import { mergeRoutes } from "../clients/http";
import { HttpTransport, apiHost } from "../clients/oci";
import { ReadinessRow, SyncJob, SyncOptions, authRedactor, compileJob, registryClientFor, runVerify, trustRoutes } from "../sync";

/**
 * Whether a registry can take traffic: it answers `/v2/` (with the credentials the job has
 * for it), and it holds, with the source's digest, every image the readiness job copies
 * to it, each pullable (every child manifest and blob there: a deep verify unless
 * `options.shallow`). What a failover preflight asks of a site before DNS points at it.
 */

export interface SiteReadiness {
  /** The registry host checked. */
  registry: string;
  answered: boolean;
  /** Why `/v2/` did not answer, without the job's credentials (a proxy may echo them back). */
  error?: string;
  /** The job's images whose destination is on this registry. */
  rows: ReadinessRow[];
  /** Every image of the job (whatever registry it goes to): what clients pull, by its source path. */
  jobRows?: ReadinessRow[];
}

/** "https://harbor.example.com/" or "harbor.example.com:443" -> "harbor.example.com[:443]". */
export function registryHostOf(registry: string): string {
  return registry.replace(/^[a-z]+:\/\//i, "").replace(/\/.*$/, "");
}

export async function checkSiteReadiness(
  registry: string,
  insecure: boolean | undefined,
  job: SyncJob | undefined,
  options: SyncOptions = {},
): Promise<SiteReadiness> {
  const host = registryHostOf(registry);
  const compiled = job ? compileJob(job).access : {};
  const access = compiled[host];
  const transport = new HttpTransport({ ...options.transport, routes: mergeRoutes(options.transport?.routes, trustRoutes(compiled)), signal: options.signal });
  // A site written as an http:// URL is served over plain HTTP, as an auth key written so is:
  // probing it over TLS would fail whatever `insecure` says.
  const plainHttp = /^http:\/\//i.test(registry);
  let error: string | undefined;
  try {
    await registryClientFor(apiHost(host), access, transport, { insecure: plainHttp || insecure }).ping();
  } catch (failure) {
    // runVerify's rows come redacted with the job's secrets; this is the one text said here.
    error = authRedactor(job?.auth)((failure as Error).message);
  } finally {
    await transport.close();
  }
  if (error !== undefined || !job) return { registry: host, answered: error === undefined, error, rows: [], jobRows: [] };
  const report = await runVerify(job, options);
  return { registry: host, answered: true, rows: report.rows.filter((row) => row.destination.startsWith(`${host}/`)), jobRows: report.rows };
}
