import { untilAborted } from "../clients/http";
import { ImageReference, RegistryClient, abortReason, canonicalHost, formatReference } from "../clients/oci";
import { mapConcurrent } from "./concurrency";
import { ImageResult, SyncEventListener, redactedResult } from "./events";
import { SourceSpec, SyncRule, projectDestination } from "./image-rules";
import { RegistryPool } from "./registry-pool";
import { SyncTask, describeTask } from "./sync-task";
import { TagLists } from "./tag-lists";
import { listRepositoriesUnder } from "./repository-listing";

/**
 * Rules -> tasks: lists the tags a rule selects (all, or those matching its pattern) and
 * pairs every selected source image with every destination. A rule whose source cannot
 * be listed becomes failed results, so the rest of the run goes on. Every step is linear
 * in the rules and tags (a config can hold hundreds of thousands of rules), and a cancelled
 * run stops planning: the rules not yet planned fail with the reason.
 */

export interface SyncPlan {
  tasks: SyncTask[];
  failures: ImageResult[];
}

/** Clients that failed their ping, with the error: every task touching them fails with it. */
export type Unreachable = Map<RegistryClient, Error>;

const LISTING_CONCURRENCY = 8;

/** `tagLists` is shared with the rest of the run, which reads the same lists for cosign tags and fallback indexes. */
export async function planSync(
  rules: SyncRule[],
  pool: RegistryPool,
  emit: SyncEventListener,
  unreachable: Unreachable = new Map(),
  signal?: AbortSignal,
  tagLists = new TagLists(),
): Promise<SyncPlan> {
  const listTags = (source: SourceSpec) => tagLists.list(pool.client(source), source.repository);
  // Per client and project: where the catalog is refused, Harbor's API lists one project at a time.
  const catalogs = new Map<RegistryClient, Map<string, Promise<string[]>>>();
  const listRepositories = (source: SourceSpec) => {
    const client = pool.client(source);
    const project = source.repository.split("/")[0];
    const byProject = catalogs.get(client) ?? new Map<string, Promise<string[]>>();
    catalogs.set(client, byProject);
    let listing = byProject.get(project);
    if (!listing) byProject.set(project, (listing = listRepositoriesUnder(client, source.repository, pool.credential(source), pool.routes)));
    return listing;
  };

  // Listing runs concurrently; tasks keep the rules' order, so runs and reports are stable.
  const planned = new Array<SyncPlan | undefined>(rules.length);
  const planning = mapConcurrent(
    rules,
    LISTING_CONCURRENCY,
    async (rule, index) => {
      planned[index] = rule.source.repositories
        ? await planProjectRule(rule, pool, listRepositories, listTags, unreachable, emit)
        : await planRule(rule, pool, listTags, unreachable, emit);
    },
    signal,
  );
  planning.catch(() => {});
  try {
    // A listing stuck in a registry that ignores the signal must not hold the run either.
    await untilAborted(planning, signal);
  } catch {
    // Cancelled: the rules not planned fail below with the signal's reason.
  }
  const tasks: SyncTask[] = [];
  const failures: ImageResult[] = [];
  for (let index = 0; index < rules.length; index++) {
    const plan = planned[index] ?? failedRule(rules[index], new Error(`cancelled: ${abortReason(signal)}`));
    for (const task of plan.tasks) tasks.push(task);
    for (const failure of plan.failures) failures.push(redactedResult(failure));
  }
  return withoutSharedDestinations({ tasks, failures });
}

async function planRule(
  rule: SyncRule,
  pool: RegistryPool,
  listTags: (source: SourceSpec) => Promise<string[]>,
  unreachable: Unreachable,
  emit: SyncEventListener,
): Promise<SyncPlan> {
  let sources: ImageReference[];
  try {
    const down = unreachable.get(pool.client(rule.source));
    if (down) throw down;
    sources = await selectSources(rule.source, listTags);
  } catch (error) {
    return failedRule(rule, error as Error);
  }
  if (sources.length === 0) emit({ type: "warning", message: `${rule.key}: no tags selected; nothing to copy` });
  const tasks = rule.destinations.flatMap((destination) =>
    sources.map((source) => ({ rule: rule.key, source, destination: { ...destination, tag: destination.tag ?? source.tag } })),
  );
  return { tasks, failures: [] };
}

/** A whole-project rule: every repository of the catalog its glob matches, each planned as a rule of its own. */
async function planProjectRule(
  rule: SyncRule,
  pool: RegistryPool,
  listRepositories: (source: SourceSpec) => Promise<string[]>,
  listTags: (source: SourceSpec) => Promise<string[]>,
  unreachable: Unreachable,
  emit: SyncEventListener,
): Promise<SyncPlan> {
  let repositories: string[];
  try {
    const down = unreachable.get(pool.client(rule.source));
    if (down) throw down;
    repositories = selectRepositories(await listRepositories(rule.source), rule.source);
  } catch (error) {
    return failedRule(rule, error as Error);
  }
  if (repositories.length === 0) emit({ type: "warning", message: `${rule.key}: no repository of the catalog matches; nothing to copy` });
  const tasks: SyncTask[] = [];
  const failures: ImageResult[] = [];
  for (const repository of repositories) {
    const source = { ...rule.source, repository, repositories: undefined };
    const destinations = rule.destinations.map((_, index) => projectDestination(rule, index, repository));
    const plan = await planRule({ key: rule.key, source, destinations }, pool, listTags, unreachable, () => {});
    tasks.push(...plan.tasks);
    failures.push(...plan.failures);
  }
  return { tasks, failures };
}

function selectRepositories(catalog: string[], source: SourceSpec): string[] {
  const prefix = source.repository ? `${source.repository}/` : "";
  return catalog.filter((name) => name.startsWith(prefix) && source.repositories!.pattern.test(name));
}

function failedRule(rule: SyncRule, error: Error): SyncPlan {
  const failures = rule.destinations.map(
    (destination): ImageResult => ({
      source: rule.key,
      destination: formatReference(destination),
      status: "failed",
      error: error.message,
      retryable: false,
      bytesUploaded: 0,
      durationMs: 0,
    }),
  );
  return { tasks: [], failures };
}

/**
 * Two different source images written to one destination tag would flip that tag on every
 * run while each run reports success: all images involved fail, each naming the others.
 * The same source image planned twice for one destination (overlapping rules) is one task.
 */
export function withoutSharedDestinations(plan: SyncPlan): SyncPlan {
  // One entry per destination; a list only where a second writer shows up (rare), so a
  // large plan allocates no list per task.
  const first = new Map<string, SyncTask>();
  const shared = new Map<string, SyncTask[]>();
  const kept: SyncTask[] = [];
  for (const task of plan.tasks) {
    const key = destinationKey(task);
    const earlier = first.get(key);
    if (!earlier) {
      first.set(key, task);
      kept.push(task);
      continue;
    }
    const writers = shared.get(key) ?? [earlier];
    if (!writers.some((other) => sameSource(other, task))) writers.push(task);
    if (writers.length > 1) shared.set(key, writers);
  }
  if (shared.size === 0) return { tasks: kept, failures: plan.failures };
  const tasks: SyncTask[] = [];
  const failures = [...plan.failures];
  for (const task of kept) {
    const writers = shared.get(destinationKey(task));
    if (!writers) {
      tasks.push(task);
      continue;
    }
    for (const writer of writers) {
      const others = writers.filter((other) => other !== writer).map((other) => `${formatReference(other.source)} (rule "${other.rule}")`);
      const error = `destination ${formatReference(writer.destination)} is also written by ${others.join(", ")}: two source images cannot write one tag; give each its own destination`;
      failures.push({ ...describeTask(writer), status: "failed", error, retryable: false, bytesUploaded: 0, durationMs: 0 });
    }
  }
  return { tasks, failures };
}

/**
 * Digest-only destinations have no tag to fight over: the digest is the key. The registry is
 * compared by its canonical host, so `localhost:5002` and `127.0.0.1:5002` are one destination.
 */
function destinationKey(task: SyncTask): string {
  const { registry, repository, tag } = task.destination;
  return `${canonicalHost(registry)}/${repository}\u0000${tag ?? `@${task.source.digest ?? task.source.tag}`}`;
}

function sameSource(a: SyncTask, b: SyncTask): boolean {
  return (
    formatReference({ ...a.source, registry: canonicalHost(a.source.registry) }) ===
    formatReference({ ...b.source, registry: canonicalHost(b.source.registry) })
  );
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
