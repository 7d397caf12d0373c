import { AbortedError, abortReason } from "../clients/oci";

/**
 * Bounds how many operations run at once (images in flight, blob transfers in flight).
 * Waiters sit in a queue read by a moving head index: `Array.shift` moves every element, and
 * a run with hundreds of thousands of queued images would spend its time doing that.
 */
export class Semaphore {
  private active = 0;
  private waiting: (() => void)[] = [];
  private head = 0;

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency must be a whole number of at least 1, got ${limit}`);
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await work();
    } finally {
      const next = this.next();
      if (next) next();
      else this.active--;
    }
  }

  private next(): (() => void) | undefined {
    if (this.head >= this.waiting.length) return undefined;
    const next = this.waiting[this.head];
    this.waiting[this.head++] = undefined as never;
    // Drop the consumed prefix once it is most of the array, so memory follows the live queue.
    if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.head);
      this.head = 0;
    }
    return next;
  }
}

/**
 * Maps items with at most `limit` in flight, keeping input order in the output. `limit` workers
 * take the next index from a shared cursor, so the cost is linear in the items and only
 * `limit` operations exist at a time. Once `signal` is aborted no new item starts and the
 * call rejects with an AbortedError; items already started finish first.
 */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
  signal?: AbortSignal,
): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency must be a whole number of at least 1, got ${limit}`);
  const results = new Array<R>(items.length);
  let cursor = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && cursor < items.length) {
      if (signal?.aborted) {
        failure = { error: new AbortedError(`cancelled: ${abortReason(signal)}`) };
        return;
      }
      const index = cursor++;
      try {
        results[index] = await work(items[index], index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
  return results;
}
