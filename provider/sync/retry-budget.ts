import { DEFAULT_RETRY_POLICY } from "../clients/oci";

/**
 * How often a run sends one request before it gives up, with every retry layer counted once.
 *
 * Three layers repeat work after a transient failure (a 5xx, a 429, a broken connection):
 * - the HTTP layer repeats a request whose body can be sent again: up to
 *   `DEFAULT_RETRY_POLICY.maxRetries` (3) more times, waiting as `Retry-After` says;
 * - a blob transfer repeats as a whole what the HTTP layer could not (a streamed upload, a read
 *   that broke and could not resume, an upload session the registry dropped);
 * - the run repeats images that failed transiently in later rounds (`--retries`, default 2).
 *
 * Unbounded by each other, these multiplied: a blob GET failing with 503 was sent 4 times a
 * transfer, 3 transfers an image, in 3 rounds: 36 times. The budget below makes blob transfers
 * count across rounds: a blob is transferred at most max(3, 1 + retries) times in a run
 * (blobTransferAttempts), whether the repeat comes at once or in a later round, and a round
 * repeats only the image's other requests. So no request is sent more than
 * 4 x max(3, 1 + retries) times in a run (maxSendsPerRequest), 12 with default settings:
 * - a blob transfer's requests (source GET, upload POST): 4 x 3 = 12; a streamed upload, which
 *   the HTTP layer never repeats: 3;
 * - any other request (manifest HEAD/GET/PUT, blob HEAD, mount): 4 x (1 + retries) = 12.
 * Not counted as attempts, because they carry on from where a transfer broke instead of starting
 * over: a blob read resumes with `Range` and a chunked upload from the session's offset, each up
 * to 5 times an attempt (resumable-download.ts, resumable-upload.ts). Nor are the one re-send
 * with fresh credentials after a 401 asked for them, and redirects followed.
 */

/** Whole-transfer attempts of one blob in one run (across rounds) at the least: a stream cannot be replayed mid-way, so these stand in for the HTTP layer's retries even with `--retries 0`. */
export const BLOB_TRANSFER_ATTEMPTS = 3;

/** Whole-transfer attempts of one blob in a run whose images get `1 + retries` rounds. */
export function blobTransferAttempts(retries: number): number {
  return Math.max(BLOB_TRANSFER_ATTEMPTS, 1 + retries);
}

/** The most times a run with `retries` sends one request, whichever layer repeats it. */
export function maxSendsPerRequest(retries: number, httpRetries = DEFAULT_RETRY_POLICY.maxRetries): number {
  return (1 + httpRetries) * blobTransferAttempts(retries);
}

/**
 * Attempts a run has made at each piece of work, so that a later round does not start the count
 * afresh. A piece of work whose attempts are spent fails at once with its last error.
 */
export class RetryBudget {
  private readonly spent = new Map<string, { attempts: number; last?: unknown }>();

  constructor(private readonly attemptsPerWork = BLOB_TRANSFER_ATTEMPTS) {}

  /**
   * Runs `once` until it succeeds, fails with an error `transient` refuses, or the run's
   * attempts at `work` are spent; `pause` waits between attempts, given the failure.
   */
  async run<T>(
    work: string,
    once: () => Promise<T>,
    transient: (error: unknown) => boolean,
    pause: (attempt: number, error: unknown) => Promise<void>,
  ): Promise<T> {
    const entry = this.spent.get(work) ?? { attempts: 0 };
    this.spent.set(work, entry);
    if (entry.attempts >= this.attemptsPerWork) throw entry.last;
    for (;;) {
      entry.attempts++;
      try {
        const done = await once();
        this.spent.delete(work);
        return done;
      } catch (error) {
        entry.last = error;
        if (entry.attempts >= this.attemptsPerWork || !transient(error)) throw error;
        await pause(entry.attempts, error);
      }
    }
  }
}
