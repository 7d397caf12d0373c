import { Redactor, redactSecrets } from "../validation";

/** What a sync reports while it runs; the CLI draws a progress bar from it, Pulumi prints lines. */

export type ImageStatus = "synced" | "skipped" | "failed";

export interface ImageResult {
  source: string;
  destination: string;
  status: ImageStatus;
  /** The digest the destination holds (or should hold) for this image. */
  digest?: string;
  error?: string;
  /** Whether another round may succeed (network trouble, 5xx), as opposed to bad credentials or content. */
  retryable?: boolean;
  /** A reverse run found the destination tag holding another image, and left both as they are. */
  conflict?: true;
  bytesUploaded: number;
  durationMs: number;
}

export type BlobOutcome = "uploaded" | "mounted" | "present";

export type SyncEvent =
  /** `failed`: images that already failed while planning (their sources could not be listed). */
  | { type: "planned"; images: number; failed?: number }
  | { type: "warning"; message: string }
  | { type: "image-started"; source: string; destination: string }
  | { type: "bytes"; bytes: number }
  | { type: "blob"; digest: string; size: number; outcome: BlobOutcome; destination: string }
  | { type: "image-finished"; result: ImageResult }
  | { type: "round"; round: number; images: number };

export type SyncEventListener = (event: SyncEvent) => void;

/** Error texts carry what registries said, which can echo credentials: they leave the engine redacted. */
export function redactedResult(result: ImageResult, redact: Redactor = redactSecrets): ImageResult {
  return result.error === undefined ? result : { ...result, error: redact(result.error) };
}
