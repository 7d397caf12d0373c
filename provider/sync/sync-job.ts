import { TransportOptions } from "../clients/oci";
import { AuthMap, ImagesMap } from "./config-schema";
import { DestinationDefaults, SyncRule, compileRules } from "./image-rules";
import { PlatformFilter } from "./platform-filter";
import { AccessMap, accessFromAuthMap } from "./registry-credentials";
import { SyncEventListener } from "./events";
import { MinTransferRate } from "./transfer-watchdog";
import { Shard } from "./shard";

/**
 * Deadlines every run has, `--timeout` or not: a registry that accepts connections and never
 * answers fails each request after these (times the transport's attempts) instead of the
 * transport's generous defaults. Overridden per field by `SyncOptions.transport`.
 */
export const SYNC_DEADLINES: Pick<TransportOptions, "connectTimeoutMs" | "headersTimeoutMs" | "bodyTimeoutMs"> = {
  connectTimeoutMs: 10_000,
  headersTimeoutMs: 30_000,
  bodyTimeoutMs: 60_000,
};

/** A validated sync configuration: image-syncer's `auth` and `images`, plus destination defaults. */
export interface SyncJob {
  images: ImagesMap;
  auth?: AuthMap;
  defaults?: DestinationDefaults;
}

/** The engine's options; callers with settings from a user get them from `syncOptionsOf` (run-settings.ts), which also holds every default. */
export interface SyncOptions {
  /** Images copied at once (image-syncer's --proc). */
  proc?: number;
  /** Extra rounds for images that failed with a transient error (image-syncer's --retries). */
  retries?: number;
  force?: boolean;
  /**
   * The job copies a standby back into its sources (runReverseSync and the failback check set
   * it): a destination tag holding another digest is a conflict, reported and never
   * overwritten, and a repository the standby does not know holds no tags.
   */
  copyBack?: boolean;
  /** sync: check every child manifest and blob under existing tags and re-copy what is missing. */
  repair?: boolean;
  /** verify: compare tag digests only (two HEADs a tag), without checking content. */
  shallow?: boolean;
  platforms?: PlatformFilter;
  /** Copy (and verify) only this shard's repositories (`--shard i/N`): N runs together make one. */
  shard?: Shard;
  /** Copy (and verify) cosign tags and OCI referrers with each image; on unless false. */
  referrers?: boolean;
  /** Upload blobs larger than this in chunks of this size; DEFAULT_CHUNK_SIZE (64 MiB) when not given. */
  chunkSize?: number;
  /** Blob transfers in flight across the run. */
  transfers?: number;
  /** Blob transfers slower than this fail as stalled; 1 KiB/s over 30 s by default. */
  minRate?: MinTransferRate;
  signal?: AbortSignal;
  onEvent?: SyncEventListener;
  transport?: Omit<TransportOptions, "signal">;
  tagPageSize?: number;
}

export interface CompiledJob {
  rules: SyncRule[];
  access: AccessMap;
}

/** Everything that can be checked without the network, so an invalid job pushes nothing. */
export function compileJob(job: SyncJob): CompiledJob {
  return { rules: compileRules(job.images, job.defaults), access: accessFromAuthMap(job.auth) };
}
