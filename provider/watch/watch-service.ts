import { ImageReference, formatReference, parseReference } from "../clients/oci";
import { ImageResult, SyncJob, SyncOptions, SyncRule, compileJob, removeImages, runSync } from "../sync";
import { CopyQueue, Offered } from "./copy-queue";
import { EventImage, copiesOfDeleted, imagesForEvent, imagesMapOf } from "./event-images";
import { RecoveryPoint, siteOf } from "./recovery-point";
import { RegistryEvent } from "./registry-events";
import { EventOutcome, WatchMetrics } from "./watch-metrics";

/**
 * `registry-dr watch`: copies an image seconds after it is pushed, and resyncs everything at
 * start and every interval as the safety net (a missed event or a restart loses nothing).
 * Events only ever narrow what is copied to images the job already selects; the copy itself is
 * the engine's (digests, referrers, mounts), one run per batch of queued images.
 */

export interface WatchOptions {
  /** The engine's options for every copy and resync. */
  sync: SyncOptions;
  /** Between full resyncs. */
  resyncIntervalMs: number;
  /** Images waiting at most; a fuller queue answers "retry later". */
  capacity: number;
  /** Copy runs at once. */
  workers: number;
  /** Images per copy run at most. */
  batch: number;
  /** Whether a deletion at the source deletes the copies (by digest). */
  followDeletions: boolean;
  log(line: string): void;
}

type Work = { kind: "copy"; image: EventImage; since: number; attempt: number } | { kind: "delete"; copy: ImageReference };

/**
 * An event's copy that fails is tried again 0.25, 0.5, 1, 2 ... seconds later and then every
 * 30 s, until it succeeds or a resync interval has passed (the resync has it then).
 * distribution sends a manifest's push event before it links the tag, so the first HEAD of a
 * fresh tag can answer 404; a standby that is down is caught up within 30 s of its return.
 */
const EVENT_RETRY_FIRST_MS = 250;
const EVENT_RETRY_MAX_MS = 30_000;
/** The failure is said once, at this attempt; before it, it is usually the tag not linked yet. */
const EVENT_FAILURE_SAID_AT = 4;

export type Sender = "distribution" | "harbor";

export class WatchService {
  readonly recoveryPoint: RecoveryPoint;
  readonly metrics: WatchMetrics;
  private readonly rules: SyncRule[];
  private readonly queue: CopyQueue<Work>;
  private timer: NodeJS.Timeout | undefined;
  private readonly retries = new Set<NodeJS.Timeout>();
  private resyncing: Promise<void> | undefined;
  private resyncs = 0;

  constructor(
    private readonly job: SyncJob,
    private readonly options: WatchOptions,
  ) {
    this.rules = compileJob(job).rules;
    this.recoveryPoint = new RecoveryPoint(this.rules.flatMap((rule) => rule.destinations.map((destination) => destination.registry)));
    this.queue = new CopyQueue<Work>({
      capacity: options.capacity,
      workers: options.workers,
      batch: options.batch,
      merge: (earlier, later) => (earlier.kind === "copy" && later.kind === "copy" ? { ...later, since: Math.min(earlier.since, later.since) } : later),
      work: (batch) => this.work(batch),
    });
    this.metrics = new WatchMetrics(this.recoveryPoint, () => this.queue.depth);
  }

  /** Whether the first full resync has finished: until then the standby's state is not known. */
  get ready(): boolean {
    return this.resyncs > 0;
  }

  /** Queues what the events ask for; "full" for any of them means the sender should send again later. */
  receive(sender: Sender, events: RegistryEvent[]): Offered | "unselected" {
    let answer: Offered | "unselected" = "unselected";
    for (const event of events) {
      const outcome = this.offer(event);
      this.metrics.events.inc({ sender, outcome });
      if (outcome === "full") answer = "full";
      else if (outcome !== "unselected" && answer !== "full") answer = outcome;
    }
    return answer;
  }

  /** Counts a request or an event that was not taken. */
  count(sender: Sender, outcome: EventOutcome, events = 1): void {
    this.metrics.events.inc({ sender, outcome }, events);
  }

  /**
   * The first resync now, then one every interval. Events taken during the first wait for it:
   * a sender re-delivers what it could not send while the watcher was down, and those images
   * are the ones the first resync copies; copied twice at once, both copies would upload.
   * Anything the resync listed too early to see is copied from the queue right after.
   */
  start(): Promise<void> {
    this.queue.hold();
    const first = this.resync().finally(() => this.queue.release());
    this.timer = setInterval(() => void this.resync(), this.options.resyncIntervalMs);
    this.timer.unref();
    return first;
  }

  /** Takes nothing more and finishes what was taken: queued copies and a resync under way. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    for (const retry of this.retries) clearTimeout(retry);
    this.retries.clear();
    await Promise.all([this.queue.drain(), this.resyncing]);
  }

  /** Resolves when nothing is queued or being copied. */
  settled(): Promise<void> {
    return this.queue.settled();
  }

  /** A full resync; one at a time (an interval that finds one running skips). */
  resync(): Promise<void> {
    this.resyncing ??= this.runResync().finally(() => {
      this.resyncing = undefined;
    });
    return this.resyncing;
  }

  private offer(event: RegistryEvent): Offered | "unselected" {
    if (event.action === "delete") {
      const copies = this.options.followDeletions ? copiesOfDeleted(this.rules, event) : [];
      return copies.length === 0 ? "unselected" : worst(copies.map((copy) => this.queue.offer(`delete ${formatReference(copy)}`, { kind: "delete", copy })));
    }
    const images = imagesForEvent(this.rules, event);
    if (images.length === 0) return "unselected";
    const offered = images.map((image) => {
      const outcome = this.queue.offer(image.source, { kind: "copy", image, since: event.occurredAt, attempt: 1 });
      if (outcome !== "full") for (const destination of image.destinations) this.recoveryPoint.lacks(formatReference(destination), event.occurredAt);
      return outcome;
    });
    return worst(offered);
  }

  private async work(batch: Work[]): Promise<void> {
    const copies = batch.filter((work) => work.kind === "copy");
    const deletions = batch.filter((work) => work.kind === "delete");
    if (copies.length > 0) await this.copy(copies);
    if (deletions.length > 0) await this.remove(deletions.map((work) => work.copy));
  }

  private async copy(copies: Extract<Work, { kind: "copy" }>[]): Promise<void> {
    const since = new Map(copies.flatMap((work) => work.image.destinations.map((destination) => [formatReference(destination), work.since])));
    try {
      const report = await runSync({ images: imagesMapOf(copies.map((work) => work.image)), auth: this.job.auth }, this.options.sync);
      const failed = new Set(report.results.filter((result) => result.status === "failed").map((result) => result.source));
      const again = copies.filter((work) => failed.has(work.image.source) && Date.now() - work.since < this.options.resyncIntervalMs);
      for (const work of again) this.retryLater(work);
      // Failures are said once an image has had a few attempts, not on the first 404 of a tag not linked yet.
      const quiet = new Set(again.filter((work) => work.attempt !== EVENT_FAILURE_SAID_AT).flatMap((work) => work.image.destinations.map(formatReference)));
      this.record(
        report.results.filter((result) => !quiet.has(result.destination)),
        (destination) => since.get(destination) ?? Date.now(),
      );
    } catch (error) {
      this.options.log(`copy of ${copies.length} image(s) failed: ${(error as Error).message}`);
    }
  }

  private retryLater(work: Extract<Work, { kind: "copy" }>): void {
    const retry = setTimeout(
      () => {
        this.retries.delete(retry);
        this.queue.offer(work.image.source, { ...work, attempt: work.attempt + 1 });
      },
      Math.min(EVENT_RETRY_FIRST_MS * 2 ** (work.attempt - 1), EVENT_RETRY_MAX_MS),
    );
    this.retries.add(retry);
  }

  private async remove(copies: ImageReference[]): Promise<void> {
    const failures = await removeImages(
      this.job,
      copies.map((copy) => ({ destination: formatReference({ ...copy, digest: undefined }), digest: copy.digest! })),
    );
    for (const failure of failures) if (!/\b404\b|not found|MANIFEST_UNKNOWN/i.test(failure)) this.options.log(`deleting ${failure}`);
    for (const copy of copies) this.options.log(`deleted ${formatReference(copy)} (deleted at the source)`);
  }

  private async runResync(): Promise<void> {
    const started = Date.now();
    try {
      const report = await runSync(this.job, this.options.sync);
      this.record(report.results, () => started);
      this.metrics.lastResyncSuccess.set(report.counts.failed === 0 ? 1 : 0);
      this.options.log(
        `resync: ${report.counts.synced} copied, ${report.counts.skipped} up to date, ${report.counts.failed} failed in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    } catch (error) {
      this.metrics.lastResyncSuccess.set(0);
      this.options.log(`resync failed: ${(error as Error).message}`);
    } finally {
      this.resyncs++;
      this.metrics.lastResync.set(Date.now() / 1000);
      this.metrics.lastResyncDuration.set((Date.now() - started) / 1000);
    }
  }

  /** Counts each result for its site and moves the recovery point: a failed copy still lacks its image. */
  private record(results: ImageResult[], sinceOf: (destination: string) => number): void {
    for (const result of results) {
      const site = siteOf(registryOf(result.destination));
      this.metrics.copies.inc({ site, result: result.status });
      if (result.bytesUploaded > 0) this.metrics.bytes.inc({ site }, result.bytesUploaded);
      if (result.status === "failed") {
        // A rule that could not be planned (its source repository not there yet) names no image a site lacks.
        if (namesImage(result.destination)) this.recoveryPoint.lacks(result.destination, sinceOf(result.destination));
        this.options.log(`failed ${result.source} -> ${result.destination}: ${result.error}`);
      } else {
        this.recoveryPoint.holds(result.destination);
        if (result.status === "synced") this.options.log(`copied ${result.source} -> ${result.destination}`);
      }
    }
  }
}

function worst(outcomes: Offered[]): Offered {
  return outcomes.includes("full") ? "full" : outcomes.includes("queued") ? "queued" : "coalesced";
}

function namesImage(destination: string): boolean {
  try {
    const reference = parseReference(destination);
    return reference.tag !== undefined || reference.digest !== undefined;
  } catch {
    return false;
  }
}

function registryOf(image: string): string {
  try {
    return parseReference(image).registry;
  } catch {
    return image.split("/")[0];
  }
}
