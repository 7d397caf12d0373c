import { setTimeout as sleep } from "node:timers/promises";

/**
 * A token bucket per registry host: at most `perSecond` requests a second on average, bursts
 * of up to `perSecond` (at least one). Artifact Registry counts requests per project and
 * answers 429 beyond its quota; staying under it is cheaper than being told to wait (429 and
 * Retry-After are still honoured by the HTTP layer's retries).
 */
export class RequestRate {
  private readonly buckets = new Map<string, { tokens: number; refilledAt: number }>();
  private readonly burst: number;

  constructor(private readonly perSecond: number) {
    if (!(perSecond > 0) || !Number.isFinite(perSecond)) throw new RangeError(`requests per second: expected a number above zero, got ${perSecond}`);
    this.burst = Math.max(1, Math.floor(perSecond));
  }

  /** Waits until a request to `host` may go. */
  async take(host: string, signal?: AbortSignal): Promise<void> {
    for (;;) {
      const bucket = this.refill(host);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return;
      }
      await sleep(Math.ceil(((1 - bucket.tokens) / this.perSecond) * 1000), undefined, { signal });
    }
  }

  private refill(host: string): { tokens: number; refilledAt: number } {
    const now = Date.now();
    let bucket = this.buckets.get(host);
    if (!bucket) {
      bucket = { tokens: this.burst, refilledAt: now };
      this.buckets.set(host, bucket);
    }
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.refilledAt) / 1000) * this.perSecond);
    bucket.refilledAt = now;
    return bucket;
  }
}
