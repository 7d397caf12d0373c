import { isValidRepository } from "../../provider/clients/oci/reference";
import { flattenedDestination, harborPattern } from "../../provider/clients/harbor/replication-rules";

/**
 * The repositories a DR plan protects, chosen once the way a Harbor replication rule chooses
 * them, and turned into each copier's own form: a Harbor rule's name and tag filters, or
 * image-syncer `images` entries. Both put a repository at the same place: the target's
 * namespace plus the repository path with `flatten` leading components dropped (Harbor's
 * flattening, which the direct copy applies too). Pulumi-free: the plan check uses it offline.
 */

export interface RepositorySelection {
  /**
   * Repository names under the primary, such as `library/nginx`, or Harbor-style patterns
   * such as `library/**` (`*`, `?`, `{a,b}`). Patterns need the Harbor path: the direct copy
   * names each repository (it copies what it is told, it does not list projects).
   */
  repositories: string[];
  /** A Harbor tag filter such as `v*` or `{1.0,1.1}`; default: every tag. */
  tags?: string;
  /** `matches` (default): copy the tags the filter matches; `excludes`: copy the others. */
  tagDecoration?: "matches" | "excludes";
}

/** Where the copies go: a registry host and the namespace under it. */
export interface CopyDestination {
  registry: string;
  namespace: string;
  /** Leading path components dropped under the namespace: -1 all, 0 none, 1 (Harbor's default), 2, 3. */
  flatten: number;
}

export const DEFAULT_FLATTEN = 1;

/** Whether a repository entry is a Harbor pattern rather than one repository. */
export function isRepositoryPattern(entry: string): boolean {
  return /[*?{}]/.test(entry);
}

/** Why an entry cannot be used, or undefined. */
export function repositoryEntryProblem(entry: unknown): string | undefined {
  if (typeof entry !== "string" || entry === "") return "expected a repository such as library/nginx, or a pattern such as library/**";
  if (isRepositoryPattern(entry)) {
    const literal = entry.replace(/\{[^}]*\}|\*\*|\*|\?/g, "x");
    return isValidRepository(literal) && !/[{}]/.test(literal)
      ? undefined
      : `expected a Harbor pattern of lower-case path components with *, ** ,? or {a,b}, such as library/**; got "${entry}"`;
  }
  if (!entry.includes("/")) return `expected project/repository, such as library/${entry}: Harbor repositories live in a project`;
  return isValidRepository(entry)
    ? undefined
    : `expected lower-case path components of letters, digits and . _ - joined by "/", such as library/nginx; got "${entry}"`;
}

/** The problems of a whole selection, each with the property it concerns. */
export function selectionProblems(selection: RepositorySelection): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  if (!Array.isArray(selection.repositories) || selection.repositories.length === 0) {
    return [{ path: ["repositories"], message: "expected a non-empty list of repositories, such as [library/nginx] or [library/**]" }];
  }
  const seen = new Set<string>();
  selection.repositories.forEach((entry, index) => {
    const problem = repositoryEntryProblem(entry);
    if (problem) problems.push({ path: ["repositories", index], message: problem });
    else if (seen.has(entry)) problems.push({ path: ["repositories", index], message: `expected each repository once; "${entry}" is listed twice` });
    seen.add(entry);
  });
  if (selection.tags !== undefined && (typeof selection.tags !== "string" || !/^[A-Za-z0-9_.*?{},-]+$/.test(selection.tags))) {
    problems.push({ path: ["tags"], message: "expected a Harbor tag filter of tag characters with *, ? or {a,b}, such as v* or {1.0,1.1}" });
  }
  if (selection.tagDecoration !== undefined && selection.tagDecoration !== "matches" && selection.tagDecoration !== "excludes") {
    problems.push({ path: ["tagDecoration"], message: 'expected "matches" or "excludes"' });
  }
  if (selection.tagDecoration !== undefined && selection.tags === undefined)
    problems.push({ path: ["tagDecoration"], message: "expected a tag filter for the decoration to apply to" });
  return problems;
}

/** A Harbor replication rule's filters: one name filter for all entries (`{a,b}` when several). */
export function harborFilters(selection: RepositorySelection): { name: string; tag?: string; tagDecoration?: "matches" | "excludes" } {
  const entries = selection.repositories;
  const name = entries.length === 1 ? entries[0] : `{${entries.join(",")}}`;
  return {
    name,
    ...(selection.tags === undefined ? {} : { tag: selection.tags }),
    ...(selection.tagDecoration === undefined ? {} : { tagDecoration: selection.tagDecoration }),
  };
}

/** The selection's explicit repositories (patterns left out). */
export function explicitRepositories(selection: RepositorySelection): string[] {
  return selection.repositories.filter((entry) => !isRepositoryPattern(entry));
}

/**
 * image-syncer `images` entries copying the selection from `sourceRegistry` to `destination`,
 * each to the place a Harbor rule with the same namespace and flattening would put it. A
 * whole-project pattern (`library/**`, `library/*`) becomes the sync's own project key, whose
 * repositories land below the destination as Harbor's flattening puts them; other patterns,
 * and a flattening deeper than the pattern's literal prefix, need the Harbor path.
 */
export function directImages(selection: RepositorySelection, sourceRegistry: string, destination: CopyDestination): Record<string, string> {
  const selector = tagSelector(selection);
  const images: Record<string, string> = {};
  for (const repository of selection.repositories) {
    const target = isRepositoryPattern(repository)
      ? projectTarget(repository, destination)
      : `${destination.registry}/${flattenedDestination(repository, destination.namespace, destination.flatten)}`;
    images[`${sourceRegistry}/${repository}${selector}`] = target;
  }
  return images;
}

/** Where a whole-project key's repositories go: the sync appends each one's path below the prefix. */
function projectTarget(pattern: string, destination: CopyDestination): string {
  const problem = directPatternProblem(pattern, destination.flatten);
  if (problem) throw new Error(`${pattern}: ${problem}`);
  const components = projectPrefix(pattern)!.split("/");
  // Harbor flattens only under a namespace; without one a repository keeps its whole path.
  const kept = destination.namespace ? components.slice(destination.flatten) : components;
  return [destination.registry, ...(destination.namespace ? [destination.namespace] : []), ...kept].join("/");
}

/** `library` for `library/**` or `library/*`; undefined for any other pattern. */
function projectPrefix(pattern: string): string | undefined {
  return /^((?:[a-z0-9._-]+\/)*[a-z0-9._-]+)\/\*\*?$/.exec(pattern)?.[1];
}

/** Why a direct copy cannot take this pattern at this flattening, or undefined when it can. */
export function directPatternProblem(pattern: string, flatten: number): string | undefined {
  const prefix = projectPrefix(pattern);
  const depth = prefix?.split("/").length ?? 0;
  if (prefix && flatten >= 0 && flatten <= depth) return undefined;
  return `a direct copy takes a repository name, or a whole project as prefix/** or prefix/* with a flattening of 0 to ${depth || "the prefix's depth"}; this one needs the Harbor path (replication: {harbor: {...}})`;
}

/** Where one repository lands at a destination (the same for both paths). */
export function destinationRepository(repository: string, destination: CopyDestination): string {
  return `${destination.registry}/${flattenedDestination(repository, destination.namespace, destination.flatten)}`;
}

/** `:/regex/` for a tag filter (image-syncer's tag pattern), or "" for every tag. */
export function tagSelector(selection: Pick<RepositorySelection, "tags" | "tagDecoration">): string {
  if (selection.tags === undefined) return "";
  const pattern = tagGlobSource(selection.tags);
  return selection.tagDecoration === "excludes" ? `:/^(?!${pattern}$).*$/` : `:/^${pattern}$/`;
}

/** Harbor's tag glob as a regular expression source, without anchors (Harbor's own glob, shared with its policies). */
export function tagGlobSource(glob: string): string {
  return harborPattern(glob).source.slice(1, -1);
}
