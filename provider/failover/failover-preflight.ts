import { connect } from "node:net";
import { HostRoutes, mergeRoutes } from "../clients/http";
import { SyncJob, SyncOptions, compileJob } from "../sync";
import { CLIENT_VIEW_NOT_CHECKED, CLIENT_VIEW_NOT_GIVEN, type ClientView } from "./client-settings";
import { checkClientView, clientHost, clientImages } from "./client-view";
import { SiteReadiness, checkSiteReadiness } from "./site-readiness";
import { FailbackCheck, checkFailback, withFailback } from "./failback-check";

/**
 * The preflight of a DNS failover: before a record points at a site, the site's registry
 * must answer and hold every readiness image with the source's digest. The FailoverRecord
 * resource runs it before a flip; the command line can run the same check on its own.
 */

export type FailoverSiteName = "primary" | "secondary";

/** What the last preflight found at the site the record was switched to. */
export interface FailoverPreflight {
  site: FailoverSiteName;
  registry: string;
  checkedAt: string;
  /** Whether the registry answered `/v2/` with the given credentials. */
  registryAnswered: boolean;
  counts: { present: number; incomplete: number; missing: number; differs: number; error: number };
  /** One line per problem: an unreachable registry, an image missing, incomplete or different there, what clients would meet. */
  problems: string[];
  /** The name (and port) clients were checked through. */
  clients?: string;
  /** Said instead of `clients` when the client view was turned off (`clients: false`) or not given. */
  clientsNotChecked?: string;
  forced: boolean;
  /** For a flip back to the primary: what the site that served holds that the primary does not. */
  failback?: Omit<FailbackCheck, "problems">;
}

export interface FailoverSite {
  name: FailoverSiteName;
  /** "host[:port]" or a URL. */
  registry: string;
  insecure?: boolean;
  /** "host:port" that must accept a TCP connection from here (the IP an A record will hand out, port 443). */
  tcpCheck?: string;
  /** The record's value for this site: where clients' connections go after the flip. */
  value?: string;
  /** The site's own CAs, by registry host. */
  routes?: HostRoutes;
  /**
   * How clients reach the registry: the preflight pulls through the name from this site. False:
   * the record's `clients: false` turned it off; absent: none was given. Either way the preflight
   * says the client view was not checked, and why.
   */
  clients?: ClientView | false;
}

const TCP_CHECK_TIMEOUT_MS = 5000;

/**
 * Checks the site and summarizes what it found; `forced` records that a failing preflight was overridden.
 * `failbackFrom`: the site that served until this flip back to the primary (failback-check.ts).
 */
export async function runFailoverPreflight(
  site: FailoverSite,
  readiness: SyncJob | undefined,
  forced: boolean,
  options: SyncOptions & { failbackFrom?: FailoverSite } = {},
): Promise<FailoverPreflight> {
  const { failbackFrom, ...syncOptions } = options;
  const withSite = { ...syncOptions, transport: { ...syncOptions.transport, routes: mergeRoutes(syncOptions.transport?.routes, site.routes) } };
  const [found, unreachable, failback] = await Promise.all([
    // The primary holds its own images: a platform filter tells only what the copies elsewhere are (and the failback's comparison).
    checkSiteReadiness(site.registry, site.insecure, readiness, site.name === "primary" ? { ...withSite, platforms: undefined } : withSite),
    site.tcpCheck ? tcpProblem(site.tcpCheck) : undefined,
    failbackFrom
      ? checkFailback(failbackFrom, readiness, {
          ...withSite,
          transport: { ...withSite.transport, routes: mergeRoutes(withSite.transport.routes, failbackFrom.routes) },
        })
      : undefined,
  ]);
  const clients = await clientProblems(site, found, readiness, options.signal);
  const preflight = withFailback(summarizePreflight(site.name, found, forced, [...(unreachable ? [unreachable] : []), ...clients]), failback, forced);
  if (site.clients) return { ...preflight, clients: clientHost(site.clients) };
  return { ...preflight, clientsNotChecked: site.clients === false ? CLIENT_VIEW_NOT_CHECKED : CLIENT_VIEW_NOT_GIVEN };
}

/** What clients pulling through the name would meet at the site; nothing to say while the site's registry does not answer. */
async function clientProblems(site: FailoverSite, found: SiteReadiness, readiness: SyncJob | undefined, signal?: AbortSignal): Promise<string[]> {
  if (!site.clients || !site.value || !found.answered) return [];
  const access = readiness ? compileJob(readiness).access : {};
  return checkClientView(site.clients, site.value, clientImages(found.jobRows ?? [], found.registry), access, { signal });
}

/** Why `address` ("host:port") does not accept a TCP connection, or undefined when it does. */
export function tcpProblem(address: string): Promise<string | undefined> {
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(address);
  if (!match) return Promise.resolve(`${address} is not host:port`);
  return new Promise((resolve) => {
    const socket = connect({ host: match[1], port: Number(match[2]), timeout: TCP_CHECK_TIMEOUT_MS });
    const done = (problem: string | undefined) => {
      socket.destroy();
      resolve(problem);
    };
    socket.once("connect", () => done(undefined));
    socket.once("timeout", () =>
      done(`${address} does not accept TCP connections from here (no answer within ${TCP_CHECK_TIMEOUT_MS / 1000} s): check the route to it`),
    );
    socket.once("error", (error: NodeJS.ErrnoException) => done(`${address} does not accept TCP connections from here (${error.code ?? error.message})`));
  });
}

export function summarizePreflight(site: FailoverSiteName, readiness: SiteReadiness, forced: boolean, otherProblems: string[] = []): FailoverPreflight {
  const counts = { present: 0, incomplete: 0, missing: 0, differs: 0, error: 0 };
  for (const row of readiness.rows) counts[row.status]++;
  const problems = [
    ...otherProblems,
    ...(readiness.answered ? [] : [`${readiness.registry} does not answer /v2/: ${readiness.error}`]),
    ...readiness.rows
      .filter((row) => row.status !== "present")
      .map(
        (row) =>
          `${row.destination}: ${row.status}${row.status === "differs" ? ` (${row.destinationDigest} here, ${row.sourceDigest} at ${row.source})` : row.missing ? ` (missing ${row.missing.join(", ")})` : row.error ? ` (${row.error})` : ` (source ${row.source})`}`,
      ),
  ];
  return {
    site,
    registry: readiness.registry,
    checkedAt: new Date().toISOString(),
    registryAnswered: readiness.answered,
    counts,
    problems,
    forced: forced && problems.length > 0,
  };
}

/** The preflight's one-line verdict: "preflight secondary site registry.example.com: ready (3 image(s) present)". */
export function preflightVerdict(preflight: FailoverPreflight): string {
  const verdict = preflight.problems.length === 0 ? "ready" : preflight.forced ? "NOT ready, forced" : "NOT ready";
  return `preflight ${preflight.site} site ${preflight.registry}: ${verdict} (${preflight.counts.present} image(s) present)`;
}
