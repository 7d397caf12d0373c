import { ImageResult } from "./events";
import { formatBytes, formatDuration, shortDigest } from "./format";

/** One line per finished image, the same in a terminal, a log file and `pulumi up` output. */
export function describeResult(result: ImageResult): string {
  const route = `${result.source} -> ${result.destination}`;
  switch (result.status) {
    case "synced":
      return `synced  ${route} (${shortDigest(result.digest)}, ${formatBytes(result.bytesUploaded)} uploaded, ${formatDuration(result.durationMs)})`;
    case "skipped":
      return `skipped ${route} (up to date, ${shortDigest(result.digest)})`;
    case "failed":
      return `failed  ${route}: ${result.error}`;
  }
}

/** What planning came to, for a log line: never "planned 0" after every rule failed. */
export function describePlan(images: number, failed: number): string {
  if (failed === 0) return `planned ${images} image(s)`;
  if (images === 0) return `nothing to copy: ${failed} image(s) failed while planning`;
  return `planned ${images} image(s); ${failed} more failed while planning`;
}
