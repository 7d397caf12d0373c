import { AbortedError, Descriptor, RegistryError, checkListedTag, formatReference } from "../clients/oci";
import { CopyContext, copyManifestTree } from "./copy-image";
import { copyChildReferrers, copyImageReferrers, copyReferrers } from "./copy-referrers";
import { ReferrerDirectory } from "./referrer-discovery";
import { ImageResult, SyncEvent } from "./events";
import { ExpectedImage, expectedImage } from "./expected-image";
import { isFilteredCopy } from "./filtered-copy";
import { PlatformFilter } from "./platform-filter";
import { ContentCheck } from "./pullable";
import { RegistryPool } from "./registry-pool";
import { SyncTask, describeTask } from "./sync-task";

/**
 * One image in two steps. `checkImage` is two HEADs (destination, source) and decides
 * whether there is anything to do; it is cheap, so a run checks many images at once. Where
 * the destination is known to lack the tag, the source manifest is read instead of HEADed:
 * the copy needs it, so a new image costs one request less.
 * `copyImage` moves the content and is bounded by --proc. Neither throws: they report.
 *
 * With `repair` the check is deep instead (every child manifest and blob, see pullable.ts),
 * and an image whose tag is right but whose content is not gets what is missing re-copied.
 * Off by default: it costs a request per blob, and a no-op resync should stay two HEADs a tag.
 */

export interface ImageSyncContext extends CopyContext {
  pool: RegistryPool;
  platforms?: PlatformFilter;
  /** Set for `--repair`: deep checks, shared by the run. */
  repair?: ContentCheck;
  /** Set unless --no-referrers. */
  referrers?: ReferrerDirectory;
  /** A destination tag holding another digest is a conflict, reported and never overwritten (a reverse run). */
  keepDifferingTags?: boolean;
  /** A reverse run: the platform filter the forward copy ran with, so its filtered copies are known as the primary's images (filtered-copy.ts). */
  copiedWith?: PlatformFilter;
}

/** `incomplete`: the destination has the digest under the tag but not all of its content. */
export type CheckedImage = { task: SyncTask; startedAt: number } & ({ result: ImageResult } | { expected: ExpectedImage; incomplete?: string[] });

export async function checkImage(task: SyncTask, context: ImageSyncContext): Promise<CheckedImage> {
  const startedAt = Date.now();
  let digest: string | undefined;
  try {
    const source = context.pool.client(task.source);
    const destination = context.pool.client(task.destination);
    const tag = task.destination.tag;
    if (!context.force && !context.repair && tag !== undefined) {
      // A listed tag is checked before it goes into a URL at the destination, as expectedImage checks it for the source.
      if (task.source.tag !== undefined) checkListedTag(task.source.tag, source.host, task.source.repository);
      const present = await context.ledger.destinations.head(destination, task.destination.repository, tag);
      const expected = await expectedImage(task, source, context.platforms, present === undefined);
      digest = expected.digest;
      if (present?.digest === expected.digest) return { task, startedAt, result: await upToDate(task, startedAt, digest, context) };
      if (present && context.keepDifferingTags) {
        if (await isFilteredCopy(task, destination, expected.digest, context.copiedWith))
          return { task, startedAt, result: resultOf(task, startedAt, 0, { status: "skipped", digest }) };
        return { task, startedAt, result: conflict(task, startedAt, expected.digest, present.digest) };
      }
      return { task, startedAt, expected };
    }
    // --force copies whatever the digests: read what the copy needs at once.
    const expected = await expectedImage(task, source, context.platforms, context.force);
    digest = expected.digest;
    if (context.force) return { task, startedAt, expected };
    const reference = tag ?? expected.digest;
    if (context.repair) {
      const found = await context.repair.inspect(destination, task.destination.repository, reference);
      if (found?.digest !== expected.digest) return { task, startedAt, expected };
      if (found.missing.length === 0) return { task, startedAt, result: await upToDate(task, startedAt, digest, context, found.children) };
      return { task, startedAt, expected, incomplete: found.missing };
    }
    const present = await destination.headManifest(task.destination.repository, reference);
    if (present?.digest === expected.digest) return { task, startedAt, result: await upToDate(task, startedAt, digest, context) };
    return { task, startedAt, expected };
  } catch (error) {
    return { task, startedAt, result: failure(task, startedAt, 0, digest, error) };
  }
}

/** `incomplete` (from a repair check): what is missing under a tag that is otherwise right. */
export async function copyImage(
  task: SyncTask,
  expected: ExpectedImage,
  startedAt: number,
  context: ImageSyncContext,
  incomplete?: string[],
): Promise<ImageResult> {
  let bytesUploaded = 0;
  const emit = (event: SyncEvent) => {
    if (event.type === "bytes") bytesUploaded += event.bytes;
    context.emit(event);
  };
  context.emit({ type: "image-started", ...describeTask(task) });
  if (incomplete)
    context.emit({ type: "warning", message: `${formatReference(task.destination)}: repairing ${incomplete.length} missing: ${incomplete.join(", ")}` });
  const source = context.pool.client(task.source);
  const destination = context.pool.client(task.destination);
  try {
    const manifest = expected.manifest ?? (await source.getManifest(task.source.repository, expected.digest));
    const ends = { source, sourceRepository: task.source.repository, destination, destinationRepository: task.destination.repository };
    // Forced for a repair, so index children the destination has are walked into too.
    const copyContext = { ...context, emit, force: context.force || incomplete !== undefined };
    await copyManifestTree(ends, manifest, task.destination.tag ?? expected.digest, copyContext, formatReference(task.source));
    if (context.referrers) await copyImageReferrers(ends, manifest, { ...copyContext, referrers: context.referrers });
    return resultOf(task, startedAt, bytesUploaded, { status: "synced", digest: expected.digest });
  } catch (error) {
    return failure(task, startedAt, bytesUploaded, expected.digest, error);
  }
}

/**
 * The image is there; what travels with it may still be new (a signature added since the last
 * run). Its platforms' referrers are walked only where a repair check read the index anyway
 * (`children`): a plain resync stays a few requests a tag, not one more per platform.
 */
async function upToDate(task: SyncTask, startedAt: number, digest: string, context: ImageSyncContext, children: Descriptor[] = []): Promise<ImageResult> {
  if (!context.referrers) return resultOf(task, startedAt, 0, { status: "skipped", digest });
  let bytesUploaded = 0;
  const emit = (event: SyncEvent) => {
    if (event.type === "bytes") bytesUploaded += event.bytes;
    context.emit(event);
  };
  try {
    const ends = {
      source: context.pool.client(task.source),
      sourceRepository: task.source.repository,
      destination: context.pool.client(task.destination),
      destinationRepository: task.destination.repository,
    };
    await copyReferrers(ends, digest, { ...context, emit, referrers: context.referrers });
    await copyChildReferrers(ends, children, { ...context, emit, referrers: context.referrers });
    return resultOf(task, startedAt, bytesUploaded, { status: bytesUploaded > 0 ? "synced" : "skipped", digest });
  } catch (error) {
    return failure(task, startedAt, bytesUploaded, digest, error);
  }
}

function resultOf(
  task: SyncTask,
  startedAt: number,
  bytesUploaded: number,
  outcome: Pick<ImageResult, "status" | "digest" | "error" | "retryable" | "conflict">,
): ImageResult {
  return { ...describeTask(task), ...outcome, bytesUploaded, durationMs: Date.now() - startedAt };
}

/** Both sides hold the tag, as different images: which one is right is the user's call, never the run's. */
function conflict(task: SyncTask, startedAt: number, sourceDigest: string, destinationDigest: string): ImageResult {
  const { source, destination } = describeTask(task);
  const error = `conflict: ${destination} is ${destinationDigest}, ${source} is ${sourceDigest}; both kept, nothing overwritten. Decide which is right, push it to both sides (or delete the other), then run again`;
  return resultOf(task, startedAt, 0, { status: "failed", digest: destinationDigest, error, retryable: false, conflict: true });
}

function failure(task: SyncTask, startedAt: number, bytesUploaded: number, digest: string | undefined, error: unknown): ImageResult {
  return resultOf(task, startedAt, bytesUploaded, { status: "failed", digest, error: (error as Error).message, retryable: isRetryable(error) });
}

function isRetryable(error: unknown): boolean {
  if (error instanceof AbortedError) return false;
  if (error instanceof RegistryError) return error.retryable;
  return true;
}
