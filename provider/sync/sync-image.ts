import { AbortedError, RegistryError } from "../clients/oci";
import { CopyContext, copyManifestTree } from "./copy-image";
import { ImageResult, SyncEvent } from "./events";
import { expectedImage } from "./expected-image";
import { PlatformFilter } from "./platform-filter";
import { RegistryPool } from "./registry-pool";
import { SyncTask, describeTask } from "./sync-task";

export interface ImageSyncContext extends CopyContext {
  pool: RegistryPool;
  platforms?: PlatformFilter;
}

/** Copies one image unless the destination already holds its digest; never throws, reports. */
export async function syncImage(task: SyncTask, context: ImageSyncContext): Promise<ImageResult> {
  const started = Date.now();
  const names = describeTask(task);
  let bytesUploaded = 0;
  const emit = (event: SyncEvent) => {
    if (event.type === "bytes") bytesUploaded += event.bytes;
    context.emit(event);
  };
  const finish = (result: Pick<ImageResult, "status" | "digest" | "error" | "retryable">): ImageResult => ({ ...names, ...result, bytesUploaded, durationMs: Date.now() - started });

  context.emit({ type: "image-started", ...names });
  const source = context.pool.client(task.source);
  const destination = context.pool.client(task.destination);
  let digest: string | undefined;
  try {
    const expected = await expectedImage(task, source, context.platforms);
    digest = expected.digest;
    const reference = task.destination.tag ?? expected.digest;
    if (!context.force) {
      const present = await destination.headManifest(task.destination.repository, reference);
      if (present?.digest === expected.digest) return finish({ status: "skipped", digest });
    }
    const manifest = expected.manifest ?? (await source.getManifest(task.source.repository, expected.digest));
    const ends = { source, sourceRepository: task.source.repository, destination, destinationRepository: task.destination.repository };
    await copyManifestTree(ends, manifest, reference, { ...context, emit });
    return finish({ status: "synced", digest });
  } catch (error) {
    return finish({ status: "failed", digest, error: (error as Error).message, retryable: isRetryable(error) });
  }
}

function isRetryable(error: unknown): boolean {
  if (error instanceof AbortedError) return false;
  if (error instanceof RegistryError) return error.retryable;
  return true;
}
