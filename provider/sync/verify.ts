import { Descriptor } from "../clients/oci";
import { mapConcurrent } from "./concurrency";
import { expectedImage } from "./expected-image";
import { isFilteredCopy } from "./filtered-copy";
import { PlatformFilter } from "./platform-filter";
import { Unreachable } from "./plan";
import { ContentCheck } from "./pullable";
import { ReferrerDirectory } from "./referrer-discovery";
import { missingImageReferrers } from "./referrer-readiness";
import { RegistryPool } from "./registry-pool";
import { SyncTask, describeTask } from "./sync-task";

/**
 * Readiness of a destination, per tag: what a failover preflight and `registry-dr verify`
 * report. Deep (the default) means pullable: the tag has the source's digest and every
 * child manifest and blob under it is there. Shallow compares the tag's digest only: two
 * HEADs per tag, for frequent cron checks.
 */

export type Readiness = "present" | "incomplete" | "missing" | "differs" | "error";

export interface ReadinessRow {
  source: string;
  destination: string;
  status: Readiness;
  sourceDigest?: string;
  destinationDigest?: string;
  /** For `incomplete`: what a pull would not find, e.g. "sha256:... (layer)", "linux/arm64 manifest sha256:...". */
  missing?: string[];
  error?: string;
}

export interface ReadinessOptions {
  /** Tags checked at once. */
  concurrency: number;
  platforms?: PlatformFilter;
  /** A reverse check: the platform filter the forward copy ran with, whose filtered copies are the primary's images (filtered-copy.ts). */
  copiedWith?: PlatformFilter;
  /** Compare tag digests only, without checking child manifests and blobs. */
  shallow?: boolean;
  /** Registries whose check failed: their tags are reported with that error, without a request. */
  unreachable?: Unreachable;
  /** Also check cosign tags and OCI referrers (set unless --no-referrers). */
  referrers?: ReferrerDirectory;
}

/** Requests in flight for the deep checks of a whole run. */
const CONTENT_CHECK_CONCURRENCY = 16;

export async function checkReadiness(tasks: SyncTask[], pool: RegistryPool, options: ReadinessOptions): Promise<ReadinessRow[]> {
  const contents = new ContentCheck(CONTENT_CHECK_CONCURRENCY);
  return mapConcurrent(tasks, options.concurrency, async (task) => withReferrers(task, pool, options, await checkImageContent(task, pool, options, contents)));
}

/** A row, and the entries of the index the deep check read (none when shallow or for an image manifest). */
interface CheckedContent {
  row: ReadinessRow;
  children?: Descriptor[];
}

/**
 * A present image whose signatures or referrers are missing is incomplete: admission policies
 * would refuse it. A deep check also covers each platform's (the children of the index it
 * read); a shallow one, meant to stay a few requests a tag, only the image's own.
 */
async function withReferrers(task: SyncTask, pool: RegistryPool, options: ReadinessOptions, { row, children = [] }: CheckedContent): Promise<ReadinessRow> {
  if (!options.referrers || row.status !== "present" || !row.sourceDigest) return row;
  const ends = {
    source: pool.client(task.source),
    sourceRepository: task.source.repository,
    destination: pool.client(task.destination),
    destinationRepository: task.destination.repository,
  };
  try {
    const missing = await missingImageReferrers(ends, row.sourceDigest, children, options.referrers);
    return missing.length === 0 ? row : { ...row, status: "incomplete", missing };
  } catch (error) {
    return { ...row, status: "error", error: `checking signatures and referrers: ${(error as Error).message}` };
  }
}

async function checkImageContent(task: SyncTask, pool: RegistryPool, options: ReadinessOptions, contents: ContentCheck): Promise<CheckedContent> {
  const names = describeTask(task);
  const source = pool.client(task.source);
  const destination = pool.client(task.destination);
  const down = options.unreachable?.get(source) ?? options.unreachable?.get(destination);
  if (down) return { row: { ...names, status: "error", error: down.message } };
  let sourceDigest: string | undefined;
  try {
    sourceDigest = (await expectedImage(task, source, options.platforms)).digest;
    const reference = task.destination.tag ?? sourceDigest;
    if (options.shallow) {
      const head = await destination.headManifest(task.destination.repository, reference);
      if (!head) return { row: { ...names, status: "missing", sourceDigest } };
      const same = head.digest === sourceDigest || (await isFilteredCopy(task, destination, sourceDigest, options.copiedWith));
      return { row: { ...names, status: same ? "present" : "differs", sourceDigest, destinationDigest: head.digest } };
    }
    const found = await contents.inspect(destination, task.destination.repository, reference);
    if (!found) return { row: { ...names, status: "missing", sourceDigest } };
    if (found.digest !== sourceDigest && !(await isFilteredCopy(task, destination, sourceDigest, options.copiedWith)))
      return { row: { ...names, status: "differs", sourceDigest, destinationDigest: found.digest } };
    if (found.missing.length > 0) return { row: { ...names, status: "incomplete", sourceDigest, destinationDigest: found.digest, missing: found.missing } };
    // The destination's index has the source's digest: its entries are the source's.
    return { row: { ...names, status: "present", sourceDigest, destinationDigest: found.digest }, children: found.children };
  } catch (error) {
    return { row: { ...names, status: "error", sourceDigest, error: (error as Error).message } };
  }
}
