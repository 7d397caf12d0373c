import { ImageReference, canonicalHost, formatReference } from "../clients/oci";
import { ImagesMap, SyncRule, TagSelector, projectDestination } from "../sync";
import { RegistryEvent } from "./registry-events";

/**
 * Which of a job's images one pushed tag is: the rules whose source selects that registry,
 * repository and tag, each narrowed to exactly that image (no listing: the event names it),
 * written as an images map the engine copies like any other.
 */

export interface EventImage {
  /** "registry/repository:tag" at the source, as the job's rule spells the registry. */
  source: string;
  destinations: ImageReference[];
}

export function imagesForEvent(rules: SyncRule[], event: RegistryEvent): EventImage[] {
  const tag = event.tag;
  if (tag === undefined) return [];
  return rulesForRepository(rules, event)
    .filter(({ rule }) => selectsTag(rule.source.selector, tag))
    .map(({ rule, destinations }) => ({
      source: formatReference({ registry: rule.source.registry, repository: event.repository, tag }),
      destinations: destinations.map((destination) => ({ ...destination, tag: destination.tag ?? tag, digest: undefined })),
    }));
}

/**
 * Where copies of a deleted manifest are, by digest: the destination repositories of every rule
 * selecting the event's repository, whatever its tags (the source no longer has the digest, so
 * no tag the rule selects can still need it).
 */
export function copiesOfDeleted(rules: SyncRule[], event: RegistryEvent): ImageReference[] {
  const digest = event.digest;
  if (digest === undefined) return [];
  const seen = new Map<string, ImageReference>();
  for (const { destinations } of rulesForRepository(rules, event))
    for (const destination of destinations) {
      const copy = { registry: destination.registry, repository: destination.repository, digest };
      seen.set(formatReference(copy), copy);
    }
  return [...seen.values()];
}

/** The rules whose source is the event's registry and repository, with the repositories they copy it to. */
function rulesForRepository(rules: SyncRule[], event: RegistryEvent): { rule: SyncRule; destinations: ImageReference[] }[] {
  const registry = canonicalHost(event.registry);
  const found: { rule: SyncRule; destinations: ImageReference[] }[] = [];
  for (const rule of rules) {
    const { source } = rule;
    if (canonicalHost(source.registry) !== registry || source.selector.kind === "digest") continue;
    if (source.repositories) {
      const prefix = source.repository ? `${source.repository}/` : "";
      if (!event.repository.startsWith(prefix) || !source.repositories.pattern.test(event.repository)) continue;
      found.push({ rule, destinations: rule.destinations.map((_, index) => projectDestination(rule, index, event.repository)) });
    } else if (source.repository === event.repository) found.push({ rule, destinations: rule.destinations });
  }
  return found;
}

/** The images as an images map: one key per source image, every destination it goes to. */
export function imagesMapOf(images: EventImage[]): ImagesMap {
  const map: Record<string, string[]> = {};
  for (const image of images) (map[image.source] ??= []).push(...image.destinations.map(formatReference));
  return map;
}

function selectsTag(selector: TagSelector, tag: string): boolean {
  switch (selector.kind) {
    case "all":
      return true;
    case "tags":
      return selector.tags.includes(tag);
    case "pattern":
      return selector.pattern.test(tag);
    case "digest":
      return false;
  }
}
