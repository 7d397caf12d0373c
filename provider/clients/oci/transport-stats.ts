/** Counters a run reports: requests sent (every attempt counts) and payload bytes moved. */
export class TransportStats {
  requests = 0;
  requestsByKind = new Map<string, number>();
  bytesUploaded = 0;
  bytesDownloaded = 0;

  countRequest(kind: string): void {
    this.requests++;
    this.requestsByKind.set(kind, (this.requestsByKind.get(kind) ?? 0) + 1);
  }

  snapshot(): { requests: number; byKind: Record<string, number>; bytesUploaded: number; bytesDownloaded: number } {
    return {
      requests: this.requests,
      byKind: Object.fromEntries(this.requestsByKind),
      bytesUploaded: this.bytesUploaded,
      bytesDownloaded: this.bytesDownloaded,
    };
  }
}
