import { ImageReference, ReferenceError, assertRepository, canonicalHost, isValidTag, looksLikeHost, parseReference, splitRegistry } from "../clients/oci";
import { harborPattern, isHarborGlob } from "../clients/harbor/replication-rules";
import { ConfigError, ConfigIssue } from "../validation";
import { ImagesMap } from "./config-schema";

/**
 * image-syncer's image rules, compiled: which tags of which source go where.
 * A source is `registry/repo` (all tags), `repo:tag`, `repo:t1,t2`, `repo@sha256:...`
 * or `repo:/regex/`; a destination is `registry/repo[:tag]`, or "" for
 * `--registry/--namespace/<last path component of the source>`.
 *
 * Whole projects: a repository written with Harbor's filter globs (`registry/library/**` every
 * repository below, `registry/library/*` one level) selects every repository of the
 * registry's catalog it matches; tags may be Harbor globs too (`:v*`, `:{1.0,latest}`).
 * Each repository goes to `<destination>/<its path below the glob's literal prefix>`, or for
 * "" to `--registry/--namespace/<its last path component>`, as image-syncer names them.
 */

export type TagSelector = { kind: "all" } | { kind: "tags"; tags: string[] } | { kind: "digest"; digest: string } | { kind: "pattern"; pattern: RegExp };

export interface SourceSpec {
  registry: string;
  /** For a whole-project source, the literal prefix before the first glob component ("" for all). */
  repository: string;
  selector: TagSelector;
  /** Set for a whole-project source: the repositories of the catalog it selects. */
  repositories?: RepositoryGlob;
}

export interface RepositoryGlob {
  /** As written, e.g. `library/**`. */
  text: string;
  pattern: RegExp;
}

/** Where a whole-project rule puts a repository: below the destination, or by its last component ("" destinations). */
export type DestinationPath = "below" | "last";

export interface SyncRule {
  /** The source as the user wrote it: the key in `images`. */
  key: string;
  source: SourceSpec;
  destinations: ImageReference[];
  /** Whole-project rules: per destination, how each repository's path is formed under it. */
  destinationPaths?: DestinationPath[];
}

export interface DestinationDefaults {
  registry?: string;
  namespace?: string;
}

export function parseSourceSpec(input: string): SourceSpec {
  const trimmed = input.trim();
  if (!trimmed) throw new ReferenceError("the source is empty: expected registry/repository[:tags|@digest]");
  // The selector starts at the first ":" or "@" after the host; a /regex/ may contain both.
  const firstSlash = trimmed.indexOf("/");
  const hostLength = firstSlash > 0 && looksLikeHost(trimmed.slice(0, firstSlash)) ? firstSlash + 1 : 0;
  const separator = trimmed.slice(hostLength).search(/[:@]/);
  if (separator >= 0 && trimmed[hostLength + separator] === "@") {
    const repository = trimmed.slice(hostLength, hostLength + separator);
    if (isHarborGlob(repository)) throw new ReferenceError(`"${input}": a digest names one image; "${repository}" selects many repositories`);
    const ref = parseReference(trimmed);
    if (ref.tag !== undefined) throw new ReferenceError(`"${input}": give a tag or a digest, not both`);
    return { registry: ref.registry, repository: ref.repository, selector: { kind: "digest", digest: ref.digest! } };
  }
  const name = separator >= 0 ? trimmed.slice(0, hostLength + separator) : trimmed;
  const { registry, repository } = splitRegistry(name);
  const selector: TagSelector = separator < 0 ? { kind: "all" } : parseTagSelector(trimmed.slice(hostLength + separator + 1), input);
  if (isHarborGlob(repository)) return projectSource(registry, repository, selector, input);
  assertRepository({ registry, repository }, input);
  return { registry, repository, selector };
}

function projectSource(registry: string, text: string, selector: TagSelector, input: string): SourceSpec {
  const components = text.split("/");
  const literal = components.slice(0, components.findIndex(isHarborGlob));
  const prefix = literal.join("/");
  if (prefix) assertRepository({ registry, repository: prefix }, input);
  let pattern: RegExp;
  try {
    pattern = harborPattern(text);
  } catch (error) {
    throw new ReferenceError(`"${input}": ${(error as Error).message}`);
  }
  return { registry, repository: prefix, selector, repositories: { text, pattern } };
}

/** Where a whole-project rule copies `repository` (a name the catalog listed under the rule's prefix). */
export function projectDestination(rule: SyncRule, index: number, repository: string): ImageReference {
  const base = rule.destinations[index];
  const prefix = rule.source.repository;
  const below = prefix ? repository.slice(prefix.length + 1) : repository;
  const path = rule.destinationPaths?.[index] === "last" ? repository.split("/").pop()! : below;
  return { ...base, repository: base.repository ? `${base.repository}/${path}` : path };
}

function parseTagSelector(text: string, input: string): TagSelector {
  if (isHarborGlob(text) && !text.startsWith("/")) {
    try {
      return { kind: "pattern", pattern: harborPattern(text) };
    } catch (error) {
      throw new ReferenceError(`"${input}": ${(error as Error).message}`);
    }
  }
  if (text.startsWith("/")) {
    if (text.length < 2 || !text.endsWith("/")) throw new ReferenceError(`"${input}": a tag pattern is written /regex/: the closing "/" is missing`);
    try {
      return { kind: "pattern", pattern: new RegExp(text.slice(1, -1)) };
    } catch (error) {
      throw new ReferenceError(`"${input}": ${text} is not a valid regular expression (${(error as Error).message})`);
    }
  }
  const tags = text.split(",").map((tag) => tag.trim());
  const bad = tags.find((tag) => !isValidTag(tag));
  if (bad !== undefined) throw new ReferenceError(`"${input}": tag "${bad}" is not valid: expected up to 128 of [A-Za-z0-9_.-], not starting with . or -`);
  return { kind: "tags", tags: [...new Set(tags)] };
}

function selectsOneImage(selector: TagSelector): boolean {
  return selector.kind === "digest" || (selector.kind === "tags" && selector.tags.length === 1);
}

export function parseDestination(input: string, source: SourceSpec, defaults: DestinationDefaults): ImageReference {
  if (source.repositories) return projectBase(input, source, defaults);
  if (input.trim() === "") {
    if (!defaults.registry || !defaults.namespace) {
      throw new ReferenceError(
        'the destination is "", so a default destination registry and namespace must be given (--registry and --namespace; the registry and namespace inputs in Pulumi)',
      );
    }
    const name = source.repository.split("/").pop()!;
    return parseReference(`${defaults.registry}/${defaults.namespace}/${name}`);
  }
  const ref = parseReference(input.trim());
  if (ref.digest) throw new ReferenceError(`destination "${input}": a destination cannot name a digest; digests are preserved from the source`);
  if (ref.tag && !selectsOneImage(source.selector)) {
    throw new ReferenceError(`destination "${input}" names a tag, so its source must select exactly one tag or digest`);
  }
  return ref;
}

/** A whole-project rule's destination: a registry and namespace the selected repositories go under. */
function projectBase(input: string, source: SourceSpec, defaults: DestinationDefaults): ImageReference {
  if (source.selector.kind === "digest") throw new ReferenceError(`a digest names one image; "${source.repositories!.text}" selects many repositories`);
  if (input.trim() === "") {
    if (!defaults.registry || !defaults.namespace) {
      throw new ReferenceError(
        'the destination is "", so a default destination registry and namespace must be given (--registry and --namespace; the registry and namespace inputs in Pulumi)',
      );
    }
    return { registry: defaults.registry, repository: defaults.namespace };
  }
  const ref = parseReference(input.trim());
  if (ref.tag || ref.digest)
    throw new ReferenceError(
      `destination "${input}": a whole-project source selects many repositories, so its destination is a registry and namespace, without a tag`,
    );
  return ref;
}

/** Compiles every rule, collecting all problems so one run reports them all, and pushes nothing. */
export function compileRules(images: ImagesMap, defaults: DestinationDefaults = {}): SyncRule[] {
  const rules: SyncRule[] = [];
  const issues: ConfigIssue[] = [];
  for (const [key, value] of Object.entries(images)) {
    let source: SourceSpec;
    try {
      source = parseSourceSpec(key);
    } catch (error) {
      issues.push({ path: ["images", key], message: describe(error, key) });
      continue;
    }
    const list = typeof value === "string" ? [value] : value;
    const destinations: ImageReference[] = [];
    list.forEach((destination, index) => {
      try {
        destinations.push(parseDestination(destination, source, defaults));
      } catch (error) {
        issues.push({ path: typeof value === "string" ? ["images", key] : ["images", key, index], message: describe(error, destination) });
      }
    });
    rules.push(
      source.repositories
        ? { key, source, destinations, destinationPaths: list.map((destination) => (destination.trim() === "" ? "last" : "below")) }
        : { key, source, destinations },
    );
  }
  issues.push(...sharedDestinationTags(rules));
  if (issues.length) throw new ConfigError(issues);
  return rules;
}

/**
 * Two rules writing different source images to one destination tag flip that tag on every
 * run. With literal tags this is known before any registry is asked; tags listed at plan time
 * are checked by the planner. The same source image written twice is harmless.
 */
function sharedDestinationTags(rules: SyncRule[]): ConfigIssue[] {
  // Destination tag -> the source written to it, as "rule index\u0000source": strings only, so
  // a config of hundreds of thousands of rules does not allocate an object per tag.
  const writers = new Map<string, string>();
  const issues: ConfigIssue[] = [];
  rules.forEach((rule, index) => {
    // Whole-project rules name their repositories only once the catalog is read: the planner checks those.
    if (rule.source.repositories) return;
    const { registry, repository, selector } = rule.source;
    const sourceTags = selector.kind === "tags" ? selector.tags : selector.kind === "digest" ? [undefined] : [];
    for (const sourceTag of sourceTags) {
      const source =
        sourceTag === undefined ? `${registry}/${repository}@${(selector as { digest: string }).digest}` : `${registry}/${repository}:${sourceTag}`;
      // Registries by canonical host: "localhost:5002" and "127.0.0.1:5002" are one registry.
      const sourceKey = `${canonicalHost(registry)}/${source.slice(registry.length + 1)}`;
      for (const destination of rule.destinations) {
        const tag = destination.tag ?? sourceTag;
        if (tag === undefined) continue;
        const written = `${destination.registry}/${destination.repository}:${tag}`;
        const key = `${canonicalHost(destination.registry)}/${destination.repository}:${tag}`;
        const other = writers.get(key);
        if (other === undefined) {
          writers.set(key, `${index}\u0000${sourceKey}\u0000${source}\u0000${written}`);
          continue;
        }
        const [otherIndex, otherSourceKey, otherSource, otherWritten] = other.split("\u0000");
        if (otherSourceKey !== sourceKey) {
          const spelled = otherWritten === written ? "" : ` (as ${otherWritten}, the same registry)`;
          issues.push({
            path: ["images", rule.key],
            message: `writes ${written}, which images[${JSON.stringify(rules[Number(otherIndex)].key)}] also writes${spelled} with ${otherSource}: two source images cannot write one destination tag`,
          });
        }
      }
    }
  });
  return issues;
}

/** The issue's path already names the rule, so the message drops the quoted input it starts with. */
function describe(error: unknown, input: string): string {
  if (!(error instanceof ReferenceError)) throw error;
  const quoted = `${JSON.stringify(input)}: `;
  return error.message.startsWith(quoted) ? error.message.slice(quoted.length) : error.message;
}
