import { ImageReference, ReferenceError, assertRepository, isValidTag, looksLikeHost, parseReference, splitRegistry } from "../clients/oci";
import { ConfigError, ConfigIssue } from "../validation";
import { ImagesMap } from "./config-schema";

/**
 * image-syncer's image rules, compiled: which tags of which source go where.
 * A source is `registry/repo` (all tags), `repo:tag`, `repo:t1,t2`, `repo@sha256:...`
 * or `repo:/regex/`; a destination is `registry/repo[:tag]`, or "" for
 * `--registry/--namespace/<last path component of the source>`.
 */

export type TagSelector =
  | { kind: "all" }
  | { kind: "tags"; tags: string[] }
  | { kind: "digest"; digest: string }
  | { kind: "pattern"; pattern: RegExp };

export interface SourceSpec {
  registry: string;
  repository: string;
  selector: TagSelector;
}

export interface SyncRule {
  /** The source as the user wrote it: the key in `images`. */
  key: string;
  source: SourceSpec;
  destinations: ImageReference[];
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
    const ref = parseReference(trimmed);
    if (ref.tag !== undefined) throw new ReferenceError(`"${input}": give a tag or a digest, not both`);
    return { registry: ref.registry, repository: ref.repository, selector: { kind: "digest", digest: ref.digest! } };
  }
  const name = separator >= 0 ? trimmed.slice(0, hostLength + separator) : trimmed;
  const { registry, repository } = splitRegistry(name);
  assertRepository({ registry, repository }, input);
  if (separator < 0) return { registry, repository, selector: { kind: "all" } };
  return { registry, repository, selector: parseTagSelector(trimmed.slice(hostLength + separator + 1), input) };
}

function parseTagSelector(text: string, input: string): TagSelector {
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
  if (input.trim() === "") {
    if (!defaults.registry || !defaults.namespace) {
      throw new ReferenceError('the destination is "", so a default destination registry and namespace must be given (--registry and --namespace; the registry and namespace inputs in Pulumi)');
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
    rules.push({ key, source, destinations });
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
    const { registry, repository, selector } = rule.source;
    const sourceTags = selector.kind === "tags" ? selector.tags : selector.kind === "digest" ? [undefined] : [];
    for (const sourceTag of sourceTags) {
      const source = sourceTag === undefined ? `${registry}/${repository}@${(selector as { digest: string }).digest}` : `${registry}/${repository}:${sourceTag}`;
      for (const destination of rule.destinations) {
        const tag = destination.tag ?? sourceTag;
        if (tag === undefined) continue;
        const written = `${destination.registry}/${destination.repository}:${tag}`;
        const other = writers.get(written);
        if (other === undefined) {
          writers.set(written, `${index}\u0000${source}`);
          continue;
        }
        const [otherIndex, otherSource] = other.split("\u0000");
        if (otherSource !== source) {
          issues.push({ path: ["images", rule.key], message: `writes ${written}, which images[${JSON.stringify(rules[Number(otherIndex)].key)}] also writes with ${otherSource}: two source images cannot write one destination tag` });
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
