import { FetchedManifest, RegistryClient, RegistryError, checkListedTag, parseManifest } from "../clients/oci";
import { PlatformFilter, filterIndex, isFilterActive } from "./platform-filter";
import { SyncTask } from "./sync-task";

/**
 * What the destination should hold for a task. Without a platform filter one HEAD of the
 * source (none for a digest reference) gives the digest, which keeps a no-op resync at
 * two requests per tag; with a filter the manifest must be read to derive the digest.
 */
export interface ExpectedImage {
  digest: string;
  /** Present when it had to be read anyway; the copy then reuses it. */
  manifest?: FetchedManifest;
}

/** `read`: the image will be copied whatever its digest, so read the manifest the copy needs rather than HEAD it first. */
export async function expectedImage(task: SyncTask, source: RegistryClient, platforms?: PlatformFilter, read = false): Promise<ExpectedImage> {
  const { repository, tag, digest } = task.source;
  // Tags written in the config were checked when it was read; one that is not in the
  // grammar came from the registry's tag list, and must fail its image before it goes
  // into a URL here or, as the destination tag, at the destination.
  if (tag !== undefined) checkListedTag(tag, source.host, repository);
  const reference = digest ?? tag!;
  if (isFilterActive(platforms)) {
    const manifest = await source.getManifest(repository, reference);
    const parsed = parseManifest(manifest.bytes, manifest.mediaType, source.host, `${source.host}/${repository}${digest ? "@" : ":"}${reference}`);
    const filtered = parsed.kind === "index" ? filterIndex(manifest, parsed, platforms, source.host) : manifest;
    return { digest: filtered.digest, manifest: filtered };
  }
  const what = `source image ${repository}${digest ? "@" : ":"}${reference}`;
  if (read) {
    const manifest = assertFound(await source.getManifest(repository, reference).catch(absentAs404), source.host, what);
    return { digest: manifest.digest, manifest };
  }
  if (digest) return { digest };
  const head = assertFound(await source.headManifest(repository, reference), source.host, what);
  return { digest: head.digest };
}

function absentAs404(error: unknown): undefined {
  if (error instanceof RegistryError && error.status === 404) return undefined;
  throw error;
}

function assertFound<T>(value: T | undefined, host: string, what: string): T {
  if (value === undefined) throw new RegistryError(`${host}: ${what} not found`, { host, status: 404, code: "MANIFEST_UNKNOWN" });
  return value;
}
