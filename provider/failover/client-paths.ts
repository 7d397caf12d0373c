import { canonicalHost } from "../clients/oci";
import { isArtifactRegistryHost, registryHostOf } from "../clients/registry-hosts";
import { ImagesMap, SyncRule, compileRules } from "../sync";
import { ConfigError, ConfigIssue } from "../validation";

/**
 * What a DNS failover can promise clients, checked before anything is written. After a flip,
 * clients keep pulling `<name>/<repository>:<tag>` with the failover name as the TLS server
 * name: the site the record points at must hold each image at the primary's repository path and
 * tag, present a certificate for that name and accept the clients' credentials. A readiness
 * mapping that moves paths (a namespace, a flattening) and Artifact Registry (which answers
 * only its own host names) can never do that, whatever is copied.
 */

export type FailoverSiteKey = "primary" | "secondary";

export interface SiteAddress {
  /** The record's value while the site serves: a host name (CNAME) or an address. */
  value: string;
  /** The site's registry, "host[:port]" or a URL. */
  registry: string;
}

/** What works instead of a DNS flip to a site that cannot serve the name; said with every refusal. */
export const DNS_FAILOVER_ALTERNATIVES =
  "A DNS failover needs a site that keeps the primary's repository paths and tags (no namespace or flattening that moves them), " +
  "presents a certificate for the name and accepts the clients' credentials. " +
  "Otherwise keep the copies where they are and point workloads at them with `registry-dr rewrite` instead of flipping DNS";

/** Why clients pulling through the failover name cannot be served by Artifact Registry; `what` is the site or its host. */
export function artifactRegistryProblem(what: string): string {
  return (
    `${what} is served by Google Artifact Registry, which cannot serve a custom name (it answers only its own host names, with its own certificate): ` +
    `clients pulling through the failover name would fail there. Fail over to a site that can serve the name (a registry or Harbor with a certificate for it, ` +
    "ACR Enterprise Edition with a custom domain), or point workloads at the Artifact Registry copies with `registry-dr rewrite`"
  );
}

/**
 * The problems of a DNS failover between `sites` with these readiness images: a site served by
 * Artifact Registry (by its registry or by the record's value), and every readiness image copied
 * to a site under another path or tag than the primary's. Images the job cannot compile are left
 * to the job's own check.
 */
export function failoverClientProblems(sites: Record<FailoverSiteKey, SiteAddress>, images: ImagesMap | undefined): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const site of ["primary", "secondary"] as const) {
    const registry = registryHostOf(sites[site].registry);
    if (isArtifactRegistryHost(registry)) issues.push({ path: ["sites", site, "registry"], message: artifactRegistryProblem(registry) });
    else {
      const value = sites[site].value.replace(/\.$/, "");
      if (isArtifactRegistryHost(value)) issues.push({ path: ["sites", site, "value"], message: artifactRegistryProblem(value) });
    }
  }
  if (images === undefined) return issues;
  let rules: SyncRule[];
  try {
    rules = compileRules(images);
  } catch (error) {
    if (error instanceof ConfigError) return issues;
    throw error;
  }
  for (const rule of rules) {
    for (const [index, destination] of rule.destinations.entries()) {
      const site = (["secondary", "primary"] as const).find(
        (name) => canonicalHost(registryHostOf(sites[name].registry)) === canonicalHost(destination.registry),
      );
      const moved = site && movedPath(rule, index);
      if (site && moved)
        issues.push({
          path: ["readiness", "images", rule.key],
          message:
            `the ${site} site (${destination.registry}) holds ${moved.source} as ${moved.destination}: after a DNS flip to it, clients asking for ${moved.source} ` +
            `would get 404 there. Copy it to ${destination.registry}/${moved.source} instead. ${DNS_FAILOVER_ALTERNATIVES}`,
        });
    }
  }
  return issues;
}

/** Throws a ConfigError naming every problem of failoverClientProblems. */
export function assertFailoverServesClients(sites: Record<FailoverSiteKey, SiteAddress>, images: ImagesMap | undefined): void {
  const issues = failoverClientProblems(sites, images);
  if (issues.length > 0) throw new ConfigError(issues);
}

/** The path (and tag) a client asks for and the one the site holds, when a rule's destination moves them; undefined when it keeps them. */
function movedPath(rule: SyncRule, index: number): { source: string; destination: string } | undefined {
  const destination = rule.destinations[index];
  const source = rule.source;
  if (source.repositories) {
    // A whole project: each repository lands below the destination ("below") or by its last component ("last").
    const below = rule.destinationPaths?.[index] !== "last";
    const oneLevel = source.repositories.text === `${source.repository}/*`;
    if (destination.repository === source.repository && (below || oneLevel)) return undefined;
    const shown = (base: string) => `${base ? `${base}/` : ""}${below ? "<repository>" : "<name>"}`;
    return { source: source.repositories.text, destination: shown(destination.repository) };
  }
  const sourceTag = source.selector.kind === "tags" && source.selector.tags.length === 1 ? source.selector.tags[0] : undefined;
  // A digest is pulled by digest wherever it is tagged: only a renamed tag moves what clients ask for.
  const renamedTag = source.selector.kind === "tags" && destination.tag !== undefined && destination.tag !== sourceTag;
  if (destination.repository === source.repository && !renamedTag) return undefined;
  return {
    source: `${source.repository}${renamedTag && sourceTag ? `:${sourceTag}` : ""}`,
    destination: `${destination.repository}${renamedTag ? `:${destination.tag}` : ""}`,
  };
}
