import { RegistryClient, TransportStats, abortReason } from "../clients/oci";
import { BlobLedger } from "./blob-ledger";
import { RetryBudget, blobTransferAttempts } from "./retry-budget";
import { Semaphore, mapConcurrent } from "./concurrency";
import { ImageResult, redactedResult } from "./events";
import { SyncRule } from "./image-rules";
import { SyncPlan, Unreachable, planSync } from "./plan";
import { RegistryPool } from "./registry-pool";
import { checkImage, copyImage } from "./sync-image";
import { SYNC_DEADLINES, SyncJob, SyncOptions, compileJob } from "./sync-job";
import { accessFromAuthMap } from "./registry-credentials";
import { authRedactor } from "./auth-secrets";
import { UploadCleanup } from "./upload-cleanup";
import { SyncTask, describeTask } from "./sync-task";
import { ContentCheck } from "./pullable";
import { ReadinessRow, checkReadiness } from "./verify";
import { ReferrerDirectory } from "./referrer-discovery";
import { TagLists } from "./tag-lists";
import { Shard, inShard } from "./shard";
import { RUN_SETTINGS } from "./run-settings";
import { PlatformFilter } from "./platform-filter";

/**
 * The engine's entry points: validate -> ping every registry -> plan -> copy (or check).
 * A registry that cannot be reached or refuses the credentials fails its images at once
 * with that one error, instead of every image retrying into it.
 */

export interface SyncReport {
  results: ImageResult[];
  counts: { synced: number; skipped: number; failed: number };
  stats: ReturnType<TransportStats["snapshot"]>;
  durationMs: number;
}

export interface ReadinessReport {
  rows: ReadinessRow[];
  complete: boolean;
  stats: ReturnType<TransportStats["snapshot"]>;
}

/** Skip checks are two HEADs each: cheap for registries, so many run at once; copies stay bounded by --proc. */
const CHECK_CONCURRENCY = 32;
/** Requests in flight for `--repair`'s deep checks across the run. */
const REPAIR_CHECK_CONCURRENCY = 16;
/**
 * Blobs larger than this go up in PATCH chunks of this size (to registries that take them), so
 * an upload that breaks off can carry on from what the registry holds instead of from zero.
 * Chunks are streamed, never held in memory; the cost is one request per chunk.
 */
export const DEFAULT_CHUNK_SIZE = 64 * 1024 * 1024;

export async function runSync(job: SyncJob, options: SyncOptions = {}): Promise<SyncReport> {
  const started = Date.now();
  const emit = options.onEvent ?? (() => {});
  const redact = authRedactor(job.auth);
  return withPlan(job, options, async (plan, pool, unreachable, tagLists) => {
    const context = {
      pool,
      ledger: new BlobLedger(),
      budget: new RetryBudget(blobTransferAttempts(options.retries ?? RUN_SETTINGS.retries.default)),
      transfers: new Semaphore(options.transfers ?? Math.max(8, (options.proc ?? RUN_SETTINGS.proc.default) * 2)),
      force: options.force ?? RUN_SETTINGS.force.default,
      keepDifferingTags: options.copyBack,
      repair: options.repair ? new ContentCheck(REPAIR_CHECK_CONCURRENCY) : undefined,
      ...platformRoles(options),
      referrers: carriesReferrers(options) ? new ReferrerDirectory(tagLists) : undefined,
      chunkSize: options.chunkSize ?? DEFAULT_CHUNK_SIZE,
      minRate: options.minRate,
      cleanup: new UploadCleanup(accessFromAuthMap(job.auth), options.transport?.routes),
      signal: options.signal,
      emit,
    };
    const results = new Map<SyncTask, ImageResult>();
    const finish = (task: SyncTask, outcome: ImageResult) => {
      const result = redactedResult(outcome, redact);
      results.set(task, result);
      emit({ type: "image-finished", result });
    };
    const proc = options.proc ?? RUN_SETTINGS.proc.default;
    let pending = plan.tasks;
    for (let round = 0; pending.length > 0; round++) {
      if (round > 0) emit({ type: "round", round, images: pending.length });
      const checked = await mapConcurrent(pending, Math.max(proc, CHECK_CONCURRENCY), async (task) => {
        const down = unreachable.get(pool.client(task.source)) ?? unreachable.get(pool.client(task.destination));
        if (down || options.signal?.aborted) {
          finish(task, failedWithout(task, down ?? new Error(`cancelled: ${abortReason(options.signal)}`)));
          return undefined;
        }
        const check = await checkImage(task, context);
        if ("result" in check) finish(task, check.result);
        return "expected" in check ? check : undefined;
      });
      const stale = checked.filter((check) => check !== undefined);
      await mapConcurrent(stale, proc, async (check) =>
        finish(check.task, await copyImage(check.task, check.expected, check.startedAt, context, check.incomplete)),
      );
      pending =
        round < (options.retries ?? RUN_SETTINGS.retries.default)
          ? pending.filter((task) => results.get(task)?.status === "failed" && results.get(task)?.retryable)
          : [];
    }
    const planFailures = plan.failures.map((failure) => redactedResult(failure, redact));
    for (const failure of planFailures) emit({ type: "image-finished", result: failure });
    const all = [...planFailures, ...results.values()];
    return { results: all, counts: countStatuses(all), stats: pool.transport.stats.snapshot(), durationMs: Date.now() - started };
  });
}

export async function runVerify(job: SyncJob, options: SyncOptions = {}): Promise<ReadinessReport> {
  return withPlan(job, options, async (plan, pool, unreachable, tagLists) => {
    const checked = await checkReadiness(plan.tasks, pool, {
      concurrency: Math.max(options.proc ?? RUN_SETTINGS.proc.default, 8),
      ...platformRoles(options),
      shallow: options.shallow,
      unreachable,
      referrers: carriesReferrers(options) ? new ReferrerDirectory(tagLists) : undefined,
    });
    const failedPlans: ReadinessRow[] = plan.failures.map((failure) => ({
      source: failure.source,
      destination: failure.destination,
      status: "error",
      error: failure.error,
    }));
    const redact = authRedactor(job.auth);
    const rows = [...failedPlans, ...checked].map((row) => (row.error === undefined ? row : { ...row, error: redact(row.error) }));
    return { rows, complete: rows.every((row) => row.status === "present"), stats: pool.transport.stats.snapshot() };
  });
}

async function withPlan<T>(
  job: SyncJob,
  options: SyncOptions,
  work: (plan: SyncPlan, pool: RegistryPool, unreachable: Unreachable, tagLists: TagLists) => Promise<T>,
): Promise<T> {
  const { rules, access } = compileJob(job);
  const pool = new RegistryPool(access, { ...SYNC_DEADLINES, ...options.transport, signal: options.signal }, options.tagPageSize);
  try {
    const unreachable = await pingAll(rules, pool);
    const tagLists = new TagLists(options.copyBack);
    const plan = shardOf(await planSync(rules, pool, options.onEvent ?? (() => {}), unreachable, options.signal, tagLists), options.shard);
    options.onEvent?.({ type: "planned", images: plan.tasks.length, failed: plan.failures.length });
    return await work(plan, pool, unreachable, tagLists);
  } finally {
    await pool.close();
  }
}

async function pingAll(rules: SyncRule[], pool: RegistryPool): Promise<Unreachable> {
  const clients = new Set<RegistryClient>();
  for (const rule of rules) {
    clients.add(pool.client(rule.source));
    for (const destination of rule.destinations) clients.add(pool.client(destination));
  }
  const unreachable: Unreachable = new Map();
  await mapConcurrent([...clients], 8, async (client) => {
    try {
      await client.ping();
    } catch (error) {
      unreachable.set(client, error as Error);
    }
  });
  return unreachable;
}

/**
 * A reverse run copies what the standby holds back as it is: filtering it again could drop
 * platforms pushed to the standby while it served. The forward copy's filter then only tells
 * its filtered copies from images pushed under the same tag (filtered-copy.ts).
 */
function platformRoles(options: SyncOptions): { platforms?: PlatformFilter; copiedWith?: PlatformFilter } {
  return options.copyBack ? { copiedWith: options.platforms } : { platforms: options.platforms };
}

/**
 * On by default. With a platform filter the kept platforms' manifests keep their digests, so
 * their signatures and SBOMs travel; the index's own only where the filter keeps every
 * platform (a filtered index is a new manifest that nothing at the source names).
 */
export function carriesReferrers(options: SyncOptions): boolean {
  return options.referrers ?? RUN_SETTINGS.referrers.default;
}

/** This shard's part of the plan; a rule that failed to plan is reported by the shard its repository falls in. */
function shardOf(plan: SyncPlan, shard: Shard | undefined): SyncPlan {
  if (!shard) return plan;
  return {
    tasks: plan.tasks.filter((task) => inShard(shard, task.source.registry, task.source.repository)),
    failures: plan.failures.filter((failure) => inShard(shard, "failure", failure.source)),
  };
}

function failedWithout(task: SyncTask, error: Error): ImageResult {
  return { ...describeTask(task), status: "failed", error: error.message, retryable: false, bytesUploaded: 0, durationMs: 0 };
}

function countStatuses(results: ImageResult[]): SyncReport["counts"] {
  const counts = { synced: 0, skipped: 0, failed: 0 };
  for (const result of results) counts[result.status]++;
  return counts;
}
