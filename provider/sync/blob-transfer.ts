import { Transform } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { AbortedError, Descriptor, DigestMismatchError, NetworkError, RegistryClient, RegistryError, errorCode } from "../clients/oci";
import { SyncEventListener } from "./events";
import { UploadCleanup } from "./upload-cleanup";
import { resumableDownload } from "./resumable-download";
import { DEFAULT_MIN_TRANSFER_RATE, MinTransferRate, SlowSide, TransferStalledError, describeShortfall, transferWatchdog } from "./transfer-watchdog";

/**
 * Streams one blob from a source repository into an upload session at the destination:
 * GET -> PUT with no buffering of the whole blob, so memory stays flat whatever its size.
 * A read that breaks off resumes with `Range` where the source allows it (resumable-download.ts).
 * The destination verifies the digest as it stores the bytes, so a corrupt stream is refused there.
 * A watchdog fails a transfer whose bytes crawl below a floor, naming the side that crawls.
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
  /** The floor under which a transfer fails as stalled; DEFAULT_MIN_TRANSFER_RATE when not given. */
  minRate?: MinTransferRate;
  /** Closes sessions on a fresh connection when the run's own cannot (it was cancelled). */
  cleanup?: UploadCleanup;
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
  let download;
  try {
    download = resumableDownload(source, sourceRepository, blob, await source.getBlob(sourceRepository, blob.digest));
  } catch (error) {
    // The session the caller opened (a mount the registry turned into an upload) is ours to close.
    if (openSession) await closeSession(ends, openSession, options);
    throw error;
  }
  const rate = options.minRate ?? DEFAULT_MIN_TRANSFER_RATE;
  const hostOf = (side: SlowSide) => (side === "source" ? source.host : destination.host);
  const watchdog = transferWatchdog(rate, (side, bytesPerSecond) =>
    side === "source"
      ? `${source.host}: blob ${blob.digest} arrived at ${describeShortfall(bytesPerSecond, rate)}: the source is stalling`
      : `${destination.host}: blob ${blob.digest} was taken at ${describeShortfall(bytesPerSecond, rate)}: the destination is stalling`,
  );
  // Wired at once: a download that breaks while the session is being opened must fail the
  // upload, not leave it waiting for bytes that never come.
  let readError: Error | undefined;
  let stalled: TransferStalledError | undefined;
  const metered = download.body.pipe(watchdog.stream).pipe(meter(options.emit));
  download.body.once("error", (error) => {
    readError = error;
    metered.destroy(error);
  });
  watchdog.stream.once("error", (error) => {
    if (error instanceof TransferStalledError) stalled = error;
    metered.destroy(error);
  });
  // Until the upload reads `metered`, its error is kept in `readError` rather than thrown unhandled.
  metered.on("error", () => {});
  let session = openSession;
  try {
    if (download.size !== undefined && download.size !== blob.size) {
      throw new DigestMismatchError(`${source.host}: blob ${blob.digest} in ${sourceRepository} is ${download.size} bytes, but its manifest says ${blob.size}`, { host: source.host });
    }
    session ??= await startSession(destination, destinationRepository);
    if (stalled) throw stalled;
    if (readError) throw readError;
    if (options.chunkSize && blob.size > options.chunkSize && destination.takesChunkedUploads) {
      await destination.putBlobChunked(destinationRepository, session, blob.digest, metered, options.chunkSize);
    } else {
      await destination.putBlob(destinationRepository, session, blob.digest, blob.size, metered);
    }
  } catch (error) {
    const slowSide = watchdog.slowSide();
    // A registry keeps a failed upload's session and partial data until it purges stale
    // uploads, days later; a retry opens a new one, so close this one now (best effort).
    if (session) await closeSession(ends, session, options);
    if (stalled) throw new NetworkError(stalled.message, { host: hostOf(stalled.side), retryable: false }, { cause: stalled });
    if (error instanceof AbortedError || readError?.name === "AbortError") {
      // Cancelled mid-transfer: the request that notices is whichever was pending, often the
      // upload; the message names the side that was holding the transfer up.
      const side = slowSide;
      const said = error instanceof AbortedError ? withoutHost(error.message) : "cancelled";
      throw new AbortedError(`${hostOf(side)}: ${said} while ${side === "source" ? "reading" : "uploading"} blob ${blob.digest} (${watchdog.received()} of ${blob.size} bytes received from ${source.host})`);
    }
    // The upload fails too when the download breaks; name the side that broke.
    if (readError) {
      throw new NetworkError(`${source.host}: reading blob ${blob.digest} from ${sourceRepository} broke off: ${readError.message}`, { host: source.host, code: errorCode(readError), retryable: true }, { cause: readError });
    }
    throw error;
  } finally {
    watchdog.stop();
    if (!download.body.destroyed) download.body.destroy();
  }
}

/** "127.0.0.1:5000: PUT /v2/app/blobs/uploads/x: cancelled: interrupted" -> "cancelled: interrupted" (the side is named anew). */
function withoutHost(message: string): string {
  return message.replace(/^[^\s:]+(?::\d+)?: (?:[A-Z]+ \/\S*: )?/, "");
}

/** Best effort; never throws. When the run is cancelled its own client cannot send, the cleanup's can. */
async function closeSession(ends: TransferEnds, session: URL, options: TransferOptions): Promise<void> {
  try {
    await ends.destination.cancelUpload(ends.destinationRepository, session);
  } catch {
    await options.cleanup?.cancel(ends.destination.host, ends.destinationRepository, session);
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
