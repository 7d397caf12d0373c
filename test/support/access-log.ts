import { readFileSync } from "node:fs";

/**
 * The registry's access log as the test's record of what a client did: distribution writes
 * one combined-log-format line per request to stdout, which the test bed sends to a file.
 * Reading the file (rather than a pipe) is synchronous and sees lines written a moment ago.
 */

export interface RegistryRequest {
  method: string;
  /** Path including the query string, as the client sent it. */
  path: string;
  status: number;
}

// Combined log format, as gorilla/handlers writes it (user names may hold odd characters):
// 127.0.0.1 - robot$ci [22/Nov/2026:23:58:29 +0000] "GET /v2/ HTTP/1.1" 200 2 "referer" "user-agent"
const ACCESS_LINE = /^\S+ \S+ .*? \[[^\]]+\] "(\S+) (\S+) [^"]*" (\d{3}) /;

export function parseAccessLog(text: string): RegistryRequest[] {
  const requests: RegistryRequest[] = [];
  for (const line of text.split("\n")) {
    const match = ACCESS_LINE.exec(line);
    if (match) requests.push({ method: match[1], path: match[2], status: Number(match[3]) });
  }
  return requests;
}

export class AccessLog {
  private clearedAt = 0;

  constructor(readonly path: string) {}

  requests(): RegistryRequest[] {
    return parseAccessLog(this.read().subarray(this.clearedAt).toString("utf8"));
  }

  clear(): void {
    // Only whole lines count as read; a line still being written belongs to the next batch.
    this.clearedAt = this.read().lastIndexOf(0x0a) + 1;
  }

  /**
   * Waits until the readiness probe's request is logged, then clears: requests() on a fresh
   * registry starts empty instead of holding a probe line that may or may not be flushed yet.
   */
  async clearStartup(timeoutMs = 2000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const last = parseAccessLog(this.read().toString("utf8")).pop();
      if (last?.path === "/v2/" && (last.status === 200 || last.status === 401)) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    this.clear();
  }

  private read(): Buffer {
    return readFileSync(this.path);
  }
}
