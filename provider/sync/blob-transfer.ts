import { Readable, Transform } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import {
  AbortedError,
  BlobStream,
  DEFAULT_RETRY_POLICY,
  abortReason,
  Descriptor,
  DigestMismatchError,
  NetworkError,
  RegistryClient,
  RegistryError,
  errorCode,
} from "../clients/oci";
import { SyncEventListener } from "./events";
import { UploadCleanup } from "./upload-cleanup";
import { readBlobFrom, resumableDownload } from "./resumable-download";
import { ResumableUpload, ResumePolicy, uploadResumably } from "./resumable-upload";
import { RetryBudget } from "./retry-budget";
import { DEFAULT_MIN_TRANSFER_RATE } from "./run-settings";
import { MinTransferRate, SlowSide, TransferStalledError, Watchdog, describeShortfall, transferWatchdog } from "./transfer-watchdog";

/**
 * Streams one blob from a source repository into an upload session at the destination:
 * GET -> PUT with no buffering of the whole blob, so memory stays flat whatever its size.
 * A read that breaks off resumes with `Range` where the source allows it (resumable-download.ts);
 * a chunked upload that breaks off resumes from the session's offset where the destination
 * keeps one (resumable-upload.ts).
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
  /**
   * Counts whole-transfer attempts for transient failures (a stream cannot be replayed mid-way)
   * across the run's rounds; a budget of this transfer's own when not given.
   */
  budget?: RetryBudget;
  /** The floor under which a transfer fails as stalled; DEFAULT_MIN_TRANSFER_RATE when not given. */
  minRate?: MinTransferRate;
  /** The run's cancellation: it ends a wait between attempts too. */
  signal?: AbortSignal;
  /** Closes sessions on a fresh connection when the run's own cannot (it was cancelled). */
  cleanup?: UploadCleanup;
  emit: SyncEventListener;
}

export async function transferBlob(ends: TransferEnds, blob: Descriptor, options: TransferOptions, openSession?: URL): Promise<void> {
  const resume: ResumePolicy = { trustOffsets: true };
  const budget = options.budget ?? new RetryBudget();
  let session = openSession;
  const work = `blob ${ends.destination.host}/${ends.destinationRepository}@${blob.digest}`;
  try {
    await budget.run(
      work,
      () => {
        const first = session;
        session = undefined;
        return transferOnce(ends, blob, options, resume, first);
      },
      isTransient,
      (attempt, error) => pause(pauseBefore(attempt, error), error, options.signal),
    );
  } finally {
    // Still ours when an earlier round spent this blob's attempts: nothing ran to close it.
    if (session) await closeSession(ends, session, options);
  }
}

async function transferOnce(ends: TransferEnds, blob: Descriptor, options: TransferOptions, resume: ResumePolicy, openSession?: URL): Promise<void> {
  const { source, sourceRepository, destination, destinationRepository } = ends;
  let download;
  try {
    download = resumableDownload(source, sourceRepository, blob, await source.getBlob(sourceRepository, blob.digest));
  } catch (error) {
    // The session the caller opened (a mount the registry turned into an upload) is ours to close.
    if (openSession) await closeSession(ends, openSession, options);
    throw error;
  }
  // Replaced when an upload resumes at another offset: a fresh read from there, watched anew.
  let feed = openFeed(ends, blob, download, options, 0);
  let session = openSession;
  try {
    if (download.size !== undefined && download.size !== blob.size) {
      throw new DigestMismatchError(
        `${source.host}: blob ${blob.digest} in ${sourceRepository} is ${download.size} bytes, but its manifest says ${blob.size}`,
        { host: source.host },
      );
    }
    session ??= await startSession(destination, destinationRepository);
    if (feed.stalled) throw feed.stalled;
    if (feed.readError) throw feed.readError;
    if (options.chunkSize && blob.size > options.chunkSize && destination.takesChunkedUploads) {
      const upload: ResumableUpload = {
        destination,
        repository: destinationRepository,
        blob,
        session,
        chunkSize: options.chunkSize,
        resume,
        readFrom: async (offset) => {
          feed.close();
          feed = openFeed(ends, blob, await readBlobFrom(source, sourceRepository, blob, offset), options, offset);
          return feed.body;
        },
      };
      try {
        await uploadResumably(upload, feed.body);
      } finally {
        session = upload.session;
      }
    } else {
      await destination.putBlob(destinationRepository, session, blob.digest, blob.size, feed.body);
    }
  } catch (error) {
    const slowSide = feed.watchdog.slowSide();
    // A registry keeps a failed upload's session and partial data until it purges stale
    // uploads, days later; a retry opens a new one, so close this one now (best effort).
    if (session) await closeSession(ends, session, options);
    throw explainFailure(error, feed, ends, blob, slowSide);
  } finally {
    feed.close();
  }
}

/** The error a failed transfer ends with, naming the side that broke or held it up. */
function explainFailure(error: unknown, feed: Feed, ends: TransferEnds, blob: Descriptor, slowSide: SlowSide): unknown {
  const { source, sourceRepository, destination } = ends;
  const { stalled, readError } = feed;
  const hostOf = (side: SlowSide) => (side === "source" ? source.host : destination.host);
  if (stalled) return new NetworkError(stalled.message, { host: hostOf(stalled.side), retryable: false }, { cause: stalled });
  if (error instanceof AbortedError || readError?.name === "AbortError") {
    // Cancelled mid-transfer: the request that notices is whichever was pending, often the
    // upload; the message names the side that was holding the transfer up.
    const side = slowSide;
    const said = error instanceof AbortedError ? withoutHost(error.message) : "cancelled";
    return new AbortedError(
      `${hostOf(side)}: ${said} while ${side === "source" ? "reading" : "uploading"} blob ${blob.digest} (${feed.start + feed.watchdog.received()} of ${blob.size} bytes received from ${source.host})`,
    );
  }
  // The upload fails too when the download breaks; name the side that broke.
  if (readError) {
    return new NetworkError(
      `${source.host}: reading blob ${blob.digest} from ${sourceRepository} broke off: ${readError.message}`,
      { host: source.host, code: errorCode(readError), retryable: true },
      { cause: readError },
    );
  }
  return error;
}

/** One read of the blob (from byte `start`) on its way to the upload: watched, metered, its failure kept. */
interface Feed {
  body: Readable;
  watchdog: Watchdog;
  start: number;
  readError?: Error;
  stalled?: TransferStalledError;
  close(): void;
}

function openFeed(ends: TransferEnds, blob: Descriptor, download: BlobStream, options: TransferOptions, start: number): Feed {
  const { source, destination } = ends;
  const rate = options.minRate ?? DEFAULT_MIN_TRANSFER_RATE;
  const watchdog = transferWatchdog(rate, (side, bytesPerSecond) =>
    side === "source"
      ? `${source.host}: blob ${blob.digest} arrived at ${describeShortfall(bytesPerSecond, rate)}: the source is stalling`
      : `${destination.host}: blob ${blob.digest} was taken at ${describeShortfall(bytesPerSecond, rate)}: the destination is stalling`,
  );
  // Wired at once: a download that breaks while the session is being opened must fail the
  // upload, not leave it waiting for bytes that never come.
  const body = download.body.pipe(watchdog.stream).pipe(meter(options.emit));
  const feed: Feed = {
    body,
    watchdog,
    start,
    close: () => {
      watchdog.stop();
      if (!download.body.destroyed) download.body.destroy();
    },
  };
  download.body.once("error", (error) => {
    feed.readError = error;
    body.destroy(error);
  });
  watchdog.stream.once("error", (error) => {
    if (error instanceof TransferStalledError) feed.stalled = error;
    body.destroy(error);
  });
  // Until the upload reads `body`, its error is kept in `readError` rather than thrown unhandled.
  body.on("error", () => {});
  return feed;
}

/** "127.0.0.1:5000: PUT /v2/app/blobs/uploads/x: cancelled: interrupted" -> "cancelled: interrupted" (the side is named anew). */
function withoutHost(message: string): string {
  return message.replace(/^[^\s:]+(?::\d+)?: (?:[A-Z]+ \/\S*: )?/, "");
}

/**
 * Best effort; never throws. When the run is cancelled its own client cannot send, the cleanup's
 * can. A session the registry will not cancel is said in a warning (whichever blob's failure
 * the image reports, every session left behind is said), rather than claiming a cleanup.
 */
async function closeSession(ends: TransferEnds, session: URL, options: TransferOptions): Promise<void> {
  let status: number | undefined;
  try {
    status = await ends.destination.cancelUpload(ends.destinationRepository, session);
  } catch {
    status = await options.cleanup?.cancel(ends.destination.host, ends.destinationRepository, session);
  }
  if (status !== undefined && status >= 200 && status < 300) return;
  const answered = status === undefined ? "no answer" : `HTTP ${status}`;
  options.emit({
    type: "warning",
    message: `the upload session at ${ends.destination.host}/${ends.destinationRepository} could not be cancelled (${answered}): its partial data is left to the registry's upload purge`,
  });
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

async function pause(ms: number, error: unknown, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    throw new AbortedError(`${(error as Error).message}; cancelled while waiting to try again: ${abortReason(signal)}`);
  }
}

/** A short backoff, or as long as the registry asked (`Retry-After` on a streamed upload, which the HTTP layer does not repeat), up to the HTTP layer's longest wait. */
function pauseBefore(attempt: number, error: unknown): number {
  const asked = error instanceof RegistryError ? (error.retryAfterMs ?? 0) : 0;
  return Math.min(Math.max(200 * 2 ** attempt, asked), DEFAULT_RETRY_POLICY.maxDelayMs);
}

function isTransient(error: unknown): boolean {
  if (error instanceof AbortedError) return false;
  if (error instanceof RegistryError) return error.retryable;
  // Errors raised inside streams (a socket reset mid-body) arrive as plain errors.
  return true;
}
