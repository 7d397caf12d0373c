/**
 * The watcher's queue: one entry per image key, so a burst of pushes to one tag is one copy
 * (a push that lands while its tag is being copied queues it once more, so the newest push
 * always gets copied); bounded, so a flood is answered "retry later" instead of growing memory;
 * drained by a fixed number of workers, each taking a batch (one engine run pays the logins
 * and pings once for many images).
 */

export type Offered = "queued" | "coalesced" | "full";

export interface CopyQueueOptions<T> {
  /** Entries waiting at most; beyond this `offer` answers "full". */
  capacity: number;
  /** Batches worked on at once. */
  workers: number;
  /** Entries handed to one `work` call at most. */
  batch: number;
  /** Two entries of one key: keep the earlier's time, the later's data. */
  merge(earlier: T, later: T): T;
  work(batch: T[]): Promise<void>;
}

export class CopyQueue<T> {
  private readonly waiting = new Map<string, T>();
  private readonly running = new Set<string>();
  private active = 0;
  private closed = false;
  private held = false;
  private idle: (() => void)[] = [];

  constructor(private readonly options: CopyQueueOptions<T>) {}

  /** Entries waiting and entries being worked on. */
  get depth(): number {
    return this.waiting.size + this.running.size;
  }

  offer(key: string, entry: T): Offered {
    if (this.closed) return "full";
    const earlier = this.waiting.get(key);
    if (earlier !== undefined) {
      this.waiting.set(key, this.options.merge(earlier, entry));
      return "coalesced";
    }
    if (this.waiting.size >= this.options.capacity) return "full";
    this.waiting.set(key, entry);
    this.pump();
    return "queued";
  }

  /** Keeps taking entries but starts none until `release`. */
  hold(): void {
    this.held = true;
  }

  release(): void {
    this.held = false;
    this.pump();
  }

  /** Takes no more entries, and resolves once everything taken is worked off. */
  drain(): Promise<void> {
    this.closed = true;
    return this.settled();
  }

  /** Resolves when nothing waits and nothing runs. */
  settled(): Promise<void> {
    if (this.depth === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private pump(): void {
    while (!this.held && this.active < this.options.workers) {
      const keys = this.nextKeys();
      if (keys.length === 0) return;
      const batch = keys.map((key) => {
        const entry = this.waiting.get(key)!;
        this.waiting.delete(key);
        this.running.add(key);
        return entry;
      });
      this.active++;
      void this.options
        .work(batch)
        .catch(() => {})
        .finally(() => {
          this.active--;
          for (const key of keys) this.running.delete(key);
          this.pump();
          if (this.depth === 0) for (const resolve of this.idle.splice(0)) resolve();
        });
    }
  }

  /** The oldest waiting keys not being worked on; stops at a batch, so a full queue is not scanned per call. */
  private nextKeys(): string[] {
    const keys: string[] = [];
    for (const key of this.waiting.keys()) {
      if (keys.length === this.options.batch) break;
      if (!this.running.has(key)) keys.push(key);
    }
    return keys;
  }
}
