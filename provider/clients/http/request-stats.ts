/**
 * Counters of one client's traffic: requests sent (every attempt and redirect hop counts)
 * by kind, how many of them were retries, and payload bytes moved.
 */
export class RequestStats {
  requests = 0;
  retries = 0;
  requestsByKind = new Map<string, number>();
  bytesUploaded = 0;
  bytesDownloaded = 0;

  countRequest(kind: string): void {
    this.requests++;
    this.requestsByKind.set(kind, (this.requestsByKind.get(kind) ?? 0) + 1);
  }

  countRetry(): void {
    this.retries++;
  }

  snapshot(): { requests: number; retries: number; byKind: Record<string, number>; bytesUploaded: number; bytesDownloaded: number } {
    return {
      requests: this.requests,
      retries: this.retries,
      byKind: Object.fromEntries(this.requestsByKind),
      bytesUploaded: this.bytesUploaded,
      bytesDownloaded: this.bytesDownloaded,
    };
  }
}
