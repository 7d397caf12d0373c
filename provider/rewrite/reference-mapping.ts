import { ImageReference, parseReference } from "../clients/oci/reference";
import { SyncJob, SyncRule, TagSelector, compileJob } from "../sync";

/**
 * Where the sync puts an image: the sync's own rules (image-syncer's `images`, compiled by
 * the engine with its `--registry`/`--namespace` defaults), asked for one reference. Used to
 * point manifests at a DR site: `harbor.example.com/library/nginx:1.25` becomes the
 * destination the rule copying that tag writes to, digests kept.
 */

export type ReferenceMapper = (reference: string) => string | undefined;

/**
 * `site` picks among several destinations of a rule: a registry host (or host/namespace
 * prefix) the destination starts with. Without it, a rule's first destination is used.
 */
export function mapperFromJob(job: SyncJob, site?: string): ReferenceMapper {
  const { rules } = compileJob(job);
  return (reference) => {
    let ref: ImageReference;
    try {
      ref = parseReference(reference.trim());
    } catch {
      return undefined;
    }
    for (const rule of rules) {
      if (rule.source.registry !== ref.registry || rule.source.repository !== ref.repository || !selects(rule.source.selector, ref)) continue;
      const destination = pickDestination(rule, site);
      if (destination) return formatMapped(destination, ref);
    }
    return undefined;
  };
}

/**
 * Whether a rule copies the referenced image. A reference by digest alone is taken as copied
 * when the rule copies the repository's tags: the copy keeps digests, so the tag it points
 * at holds that digest at the destination (`--check` with verify tells for sure).
 */
function selects(selector: TagSelector, ref: ImageReference): boolean {
  const tag = ref.tag ?? (ref.digest ? undefined : "latest");
  switch (selector.kind) {
    case "all":
      return true;
    case "digest":
      return ref.digest === selector.digest;
    case "tags":
      return tag === undefined || selector.tags.includes(tag);
    case "pattern":
      return tag === undefined || selector.pattern.test(tag);
  }
}

function pickDestination(rule: SyncRule, site: string | undefined): ImageReference | undefined {
  if (!site) return rule.destinations[0];
  return rule.destinations.find(
    (destination) =>
      `${destination.registry}/${destination.repository}` === site ||
      `${destination.registry}/${destination.repository}`.startsWith(site.endsWith("/") ? site : `${site}/`),
  );
}

/** The destination with the reference's tag (or the rule's own tag) and digest. */
function formatMapped(destination: ImageReference, ref: ImageReference): string {
  const tag = destination.tag ?? ref.tag;
  return `${destination.registry}/${destination.repository}${tag ? `:${tag}` : ""}${ref.digest ? `@${ref.digest}` : ""}`;
}
