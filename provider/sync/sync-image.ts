import { AbortedError, RegistryError } from "../clients/oci";
import { CopyContext, copyManifestTree } from "./copy-image";
import { ImageResult, SyncEvent } from "./events";
import { ExpectedImage, expectedImage } from "./expected-image";
import { PlatformFilter } from "./platform-filter";
import { RegistryPool } from "./registry-pool";
import { SyncTask, describeTask } from "./sync-task";

/**
 * One image in two steps. `checkImage` is two HEADs (source, destination) and decides
 * whether there is anything to do; it is cheap, so a run checks many images at once.
 * `copyImage` moves the content and is bounded by --proc. Neither throws: they report.
 */

export interface ImageSyncContext extends CopyContext {
  pool: RegistryPool;
  platforms?: PlatformFilter;
}

export type CheckedImage = { task: SyncTask; startedAt: number } & ({ result: ImageResult } | { expected: ExpectedImage });

export async function checkImage(task: SyncTask, context: ImageSyncContext): Promise<CheckedImage> {
  const startedAt = Date.now();
  let digest: string | undefined;
  try {
    const expected = await expectedImage(task, context.pool.client(task.source), context.platforms);
    digest = expected.digest;
    if (!context.force) {
      const present = await context.pool.client(task.destination).headManifest(task.destination.repository, task.destination.tag ?? expected.digest);
      if (present?.digest === expected.digest) return { task, startedAt, result: resultOf(task, startedAt, 0, { status: "skipped", digest }) };
    }
    return { task, startedAt, expected };
  } catch (error) {
    return { task, startedAt, result: failure(task, startedAt, 0, digest, error) };
  }
}

export async function copyImage(task: SyncTask, expected: ExpectedImage, startedAt: number, context: ImageSyncContext): Promise<ImageResult> {
  let bytesUploaded = 0;
  const emit = (event: SyncEvent) => {
    if (event.type === "bytes") bytesUploaded += event.bytes;
    context.emit(event);
  };
  context.emit({ type: "image-started", ...describeTask(task) });
  const source = context.pool.client(task.source);
  const destination = context.pool.client(task.destination);
  try {
    const manifest = expected.manifest ?? (await source.getManifest(task.source.repository, expected.digest));
    const ends = { source, sourceRepository: task.source.repository, destination, destinationRepository: task.destination.repository };
    await copyManifestTree(ends, manifest, task.destination.tag ?? expected.digest, { ...context, emit });
    return resultOf(task, startedAt, bytesUploaded, { status: "synced", digest: expected.digest });
  } catch (error) {
    return failure(task, startedAt, bytesUploaded, expected.digest, error);
  }
}

function resultOf(task: SyncTask, startedAt: number, bytesUploaded: number, outcome: Pick<ImageResult, "status" | "digest" | "error" | "retryable">): ImageResult {
  return { ...describeTask(task), ...outcome, bytesUploaded, durationMs: Date.now() - startedAt };
}

function failure(task: SyncTask, startedAt: number, bytesUploaded: number, digest: string | undefined, error: unknown): ImageResult {
  return resultOf(task, startedAt, bytesUploaded, { status: "failed", digest, error: (error as Error).message, retryable: isRetryable(error) });
}

function isRetryable(error: unknown): boolean {
  if (error instanceof AbortedError) return false;
  if (error instanceof RegistryError) return error.retryable;
  return true;
}
