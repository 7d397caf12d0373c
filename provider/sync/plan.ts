import { ImageReference, RegistryClient, formatReference } from "../clients/oci";
import { mapConcurrent } from "./concurrency";
import { ImageResult, SyncEventListener } from "./events";
import { SourceSpec, SyncRule } from "./image-rules";
import { RegistryPool } from "./registry-pool";
import { SyncTask } from "./sync-task";

/**
 * Rules -> tasks: lists the tags a rule selects (all, or those matching its pattern) and
 * pairs every selected source image with every destination. A rule whose source cannot
 * be listed becomes failed results, so the rest of the run goes on.
 */

export interface SyncPlan {
  tasks: SyncTask[];
  failures: ImageResult[];
}

/** Clients that failed their ping, with the error: every task touching them fails with it. */
export type Unreachable = Map<RegistryClient, Error>;

const LISTING_CONCURRENCY = 8;

export async function planSync(rules: SyncRule[], pool: RegistryPool, emit: SyncEventListener, unreachable: Unreachable = new Map()): Promise<SyncPlan> {
  const listings = new Map<string, Promise<string[]>>();
  const listTags = (source: SourceSpec) => {
    const key = `${source.registry}/${source.repository}`;
    let listing = listings.get(key);
    // Sorted, so runs and reports come out in the same order whatever the registry returns.
    if (!listing) listings.set(key, (listing = pool.client(source).listTags(source.repository).then((tags) => tags.sort())));
    return listing;
  };

  // Listing runs concurrently; tasks keep the rules' order, so runs and reports are stable.
  const planned = await mapConcurrent(rules, LISTING_CONCURRENCY, async (rule): Promise<SyncPlan> => {
    let sources: ImageReference[];
    try {
      const down = unreachable.get(pool.client(rule.source));
      if (down) throw down;
      sources = await selectSources(rule.source, listTags);
    } catch (error) {
      const failures = rule.destinations.map((destination): ImageResult => ({ source: rule.key, destination: formatReference(destination), status: "failed", error: (error as Error).message, retryable: false, bytesUploaded: 0, durationMs: 0 }));
      return { tasks: [], failures };
    }
    if (sources.length === 0) emit({ type: "warning", message: `${rule.key}: no tags selected; nothing to copy` });
    const tasks = rule.destinations.flatMap((destination) => sources.map((source) => ({ rule: rule.key, source, destination: { ...destination, tag: destination.tag ?? source.tag } })));
    return { tasks, failures: [] };
  });
  return { tasks: planned.flatMap((plan) => plan.tasks), failures: planned.flatMap((plan) => plan.failures) };
}

async function selectSources(source: SourceSpec, listTags: (source: SourceSpec) => Promise<string[]>): Promise<ImageReference[]> {
  const { registry, repository, selector } = source;
  switch (selector.kind) {
    case "digest":
      return [{ registry, repository, digest: selector.digest }];
    case "tags":
      return selector.tags.map((tag) => ({ registry, repository, tag }));
    case "all":
      return (await listTags(source)).map((tag) => ({ registry, repository, tag }));
    case "pattern":
      return (await listTags(source)).filter((tag) => selector.pattern.test(tag)).map((tag) => ({ registry, repository, tag }));
  }
}
