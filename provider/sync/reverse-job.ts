import { ImageReference, canonicalHost, formatReference } from "../clients/oci";
import { registryHostOf } from "../clients/registry-hosts";
import { ConfigError, ConfigIssue } from "../validation";
import { ImagesMap } from "./config-schema";
import { SyncRule } from "./image-rules";
import { SyncJob, compileJob } from "./sync-job";

/**
 * A sync job run backwards, for the time the standby serves: for every repository the job
 * copies (source repository -> destination repository), every tag the destination holds
 * goes back to the source repository under its own name. What the standby got while it
 * served (pushes during the outage) is what the source lacks, so tag lists and patterns do
 * not limit a reversed rule: it selects all of the destination's tags.
 *
 * A mapping that cannot be run backwards without guessing is refused, naming its entry:
 * several source repositories into one destination repository, one source repository
 * copied to several destination repositories (a reverse run copies from one site: name it
 * with `from`), a renamed tag, and a whole-project rule whose repository paths do not come
 * back (flattened to their last component, or copied from a registry's root).
 */

export interface ReverseOptions {
  /** Only the destinations on this registry ("host[:port]"): the site that served. */
  from?: string;
}

/** One repository pair, or a whole-project glob pair, as the reversed job copies it. */
interface ReversedEntry {
  /** The images key of the reversed job: the destination repository (or glob). */
  source: string;
  /** Where it goes back to: the source repository (or the project's namespace). */
  destination: string;
  /** The forward rule it came from, for errors. */
  rule: string;
  /** For a whole-project pair: the reversed glob's literal prefix, at the destination's registry. */
  project?: { registry: string; prefix: string };
}

export function reverseSyncJob(job: SyncJob, options: ReverseOptions = {}): SyncJob {
  const { rules } = compileJob(job);
  const from = options.from === undefined ? undefined : canonicalHost(registryHostOf(options.from));
  const issues: ConfigIssue[] = [];
  const entries: ReversedEntry[] = [];
  for (const rule of rules) {
    const kept = rule.destinations
      .map((destination, index) => ({ destination, index }))
      .filter(({ destination }) => !from || canonicalHost(destination.registry) === from);
    const problem = ruleProblem(
      rule,
      kept.map(({ destination }) => destination),
    );
    if (problem) {
      issues.push({ path: ["images", rule.key], message: problem });
      continue;
    }
    for (const { destination, index } of kept) {
      const entry = rule.source.repositories ? reversedProject(rule, destination, index) : reversedRepository(rule, destination);
      if (typeof entry === "string") issues.push({ path: ["images", rule.key], message: entry });
      else entries.push(entry);
    }
  }
  issues.push(...sharedProblems(entries));
  if (entries.length === 0 && issues.length === 0)
    issues.push({ path: ["images"], message: `no rule copies to ${options.from}: a reverse run copies back from the registry that served` });
  if (issues.length > 0) throw new ConfigError(issues);
  const images: ImagesMap = {};
  for (const entry of entries) images[entry.source] = entry.destination;
  return { images, auth: job.auth };
}

/** Why a rule cannot run backwards as a whole, or undefined. */
function ruleProblem(rule: SyncRule, destinations: ImageReference[]): string | undefined {
  const { selector } = rule.source;
  if (destinations.length > 1)
    return `copies to ${destinations.map((destination) => formatReference(destination)).join(" and ")}: a reverse run copies back from one of them; name the site that served (from)`;
  const destination = destinations[0];
  if (!destination?.tag) return undefined;
  if (selector.kind === "tags" && selector.tags[0] === destination.tag) return undefined;
  const given = selector.kind === "tags" ? `tag ${selector.tags[0]}` : selector.kind === "digest" ? selector.digest : "its tags";
  return `writes ${given} as ${formatReference(destination)}: a reverse run copies tags back under their own names, so a renamed tag cannot go back; copy it back with a rule of its own`;
}

function reversedRepository(rule: SyncRule, destination: ImageReference): ReversedEntry {
  return {
    source: formatReference({ registry: destination.registry, repository: destination.repository }),
    destination: formatReference({ registry: rule.source.registry, repository: rule.source.repository }),
    rule: rule.key,
  };
}

/**
 * `registry/ns/**` -> `dst/dr` reversed is `dst/dr/**` -> `registry/ns`: the paths below the
 * literal prefix are kept both ways. A destination written "" keeps only the last component,
 * which is the same path only where the glob spans one component.
 */
function reversedProject(rule: SyncRule, destination: ImageReference, index: number): ReversedEntry | string {
  const { registry, repository: prefix, repositories } = rule.source;
  const glob = prefix ? repositories!.text.slice(prefix.length + 1) : repositories!.text;
  if (!prefix)
    return `copies repositories from the root of ${registry}: a reverse run needs a namespace there to copy back into; write the source with one (such as ${registry}/library/**)`;
  if (rule.destinationPaths?.[index] === "last" && (glob.includes("/") || glob.includes("**")))
    return `keeps only the last path component of each repository (destination ""), so ${repositories!.text} cannot be told apart at ${formatReference(destination)}: a reverse run would have to guess the paths; give the destination a namespace that keeps them`;
  return {
    source: `${destination.registry}/${destination.repository}/${glob}`,
    destination: formatReference({ registry, repository: prefix }),
    rule: rule.key,
    project: { registry: canonicalHost(destination.registry), prefix: destination.repository },
  };
}

/**
 * Two forward rules whose reversed selections meet would write one source repository from
 * two places, or one destination repository to two: refused, naming both.
 */
function sharedProblems(entries: ReversedEntry[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const bySource = new Map<string, ReversedEntry>();
  const byDestination = new Map<string, ReversedEntry>();
  const conflict = (entry: ReversedEntry, other: ReversedEntry, what: string) =>
    issues.push({
      path: ["images", entry.rule],
      message: `${what}, as images[${JSON.stringify(other.rule)}] does (${other.source} -> ${other.destination}): a reverse run cannot tell which repository each tag belongs to`,
    });
  for (const entry of entries) {
    const sourceKey = canonicalName(entry.source);
    const destinationKey = canonicalName(entry.destination);
    const sameSource = bySource.get(sourceKey);
    const sameDestination = byDestination.get(destinationKey);
    if (sameSource && sameSource.destination !== entry.destination) conflict(entry, sameSource, `copies ${entry.source} back into ${entry.destination}`);
    else if (sameDestination && canonicalName(sameDestination.source) !== sourceKey)
      conflict(entry, sameDestination, `copies ${entry.destination} to ${entry.source} too`);
    else {
      const overlapping = entries.find(
        (other) =>
          other.project &&
          other.rule !== entry.rule &&
          other !== entry &&
          canonicalName(other.source) !== sourceKey &&
          meets(other, entry) &&
          !mapsAlike(other, entry),
      );
      if (overlapping) conflict(entry, overlapping, `copies into ${entry.source}, which a whole-project rule also covers`);
    }
    if (!sameSource) bySource.set(sourceKey, entry);
    if (!sameDestination) byDestination.set(destinationKey, entry);
  }
  return issues;
}

/**
 * Whether a repository pair goes back where the whole-project pair covering it would send it
 * (`library/nginx` beside `library/*`, both keeping the paths): the forward job copies it twice
 * to one place, and so may the reverse one; the tags' home is not in doubt.
 */
function mapsAlike(project: ReversedEntry, entry: ReversedEntry): boolean {
  if (entry.project) return false;
  const prefix = `${project.project!.registry}/${project.project!.prefix}/`;
  const source = canonicalName(entry.source);
  return source.startsWith(prefix) && canonicalName(entry.destination) === canonicalName(`${project.destination}/${source.slice(prefix.length)}`);
}

/** "Localhost:5000/dr/nginx" and "127.0.0.1:5000/dr/nginx" are one repository. */
function canonicalName(name: string): string {
  const slash = name.indexOf("/");
  return `${canonicalHost(name.slice(0, slash))}${name.slice(slash)}`;
}

/** Whether a whole-project pair's reversed glob may select what `entry` selects (same registry, nested prefixes). */
function meets(project: ReversedEntry, entry: ReversedEntry): boolean {
  const registry = canonicalHost(entry.source.split("/")[0]);
  if (registry !== project.project!.registry) return false;
  const path = entry.project ? entry.project.prefix : entry.source.slice(entry.source.indexOf("/") + 1);
  const prefix = project.project!.prefix;
  return path === prefix || path.startsWith(`${prefix}/`) || prefix.startsWith(`${path}/`);
}
