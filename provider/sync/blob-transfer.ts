import { Transform } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { AbortedError, Descriptor, DigestMismatchError, RegistryClient, RegistryError } from "../clients/oci";
import { SyncEventListener } from "./events";

/**
 * Streams one blob from a source repository into an upload session at the destination:
 * GET -> PUT with no buffering of the whole blob, so memory stays flat whatever its size.
 * The destination verifies the digest as it stores the bytes, so a corrupt stream is refused there.
 */

export interface TransferEnds {
  source: RegistryClient;
  sourceRepository: string;
  destination: RegistryClient;
  destinationRepository: string;
}

export interface TransferOptions {
  /** Upload in PATCH chunks of this size for blobs larger than it; monolithic otherwise. */
  chunkSize?: number;
  /** Whole-transfer attempts for transient failures (a stream cannot be replayed mid-way). */
  attempts?: number;
  emit: SyncEventListener;
}

export async function transferBlob(ends: TransferEnds, blob: Descriptor, options: TransferOptions, openSession?: URL): Promise<void> {
  const attempts = options.attempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    try {
      await transferOnce(ends, blob, options, attempt === 1 ? openSession : undefined);
      return;
    } catch (error) {
      if (attempt >= attempts || !isTransient(error)) throw error;
      await sleep(200 * 2 ** attempt);
    }
  }
}

async function transferOnce(ends: TransferEnds, blob: Descriptor, options: TransferOptions, openSession?: URL): Promise<void> {
  const { source, sourceRepository, destination, destinationRepository } = ends;
  const download = await source.getBlob(sourceRepository, blob.digest);
  try {
    if (download.size !== undefined && download.size !== blob.size) {
      throw new DigestMismatchError(`${source.host}: blob ${blob.digest} in ${sourceRepository} is ${download.size} bytes, but its manifest says ${blob.size}`, { host: source.host });
    }
    const session = openSession ?? (await startSession(destination, destinationRepository));
    const metered = download.body.pipe(meter(options.emit));
    download.body.once("error", (error) => metered.destroy(error));
    if (options.chunkSize && blob.size > options.chunkSize) {
      await destination.putBlobChunked(destinationRepository, session, blob.digest, metered, options.chunkSize);
    } else {
      await destination.putBlob(destinationRepository, session, blob.digest, blob.size, metered);
    }
  } finally {
    if (!download.body.destroyed) download.body.destroy();
  }
}

async function startSession(destination: RegistryClient, repository: string): Promise<URL> {
  const started = await destination.startUpload(repository);
  if (started.mounted) throw new RegistryError(`${destination.host}: upload to ${repository} was answered as a mount`, { host: destination.host });
  return started.uploadUrl;
}

function meter(emit: SyncEventListener): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      emit({ type: "bytes", bytes: chunk.length });
      callback(null, chunk);
    },
  });
}

function isTransient(error: unknown): boolean {
  if (error instanceof AbortedError) return false;
  if (error instanceof RegistryError) return error.retryable;
  // Errors raised inside streams (a socket reset mid-body) arrive as plain errors.
  return true;
}
