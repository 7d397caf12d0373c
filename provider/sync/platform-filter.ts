import { Descriptor, FetchedManifest, IndexManifest, digestOf, UnsupportedManifestError } from "../clients/oci";

/**
 * `--os` / `--arch` for multi-arch images. An index whose every entry matches is copied
 * as it is (digest preserved); otherwise the destination gets an index of the matching
 * entries only, serialized deterministically so `verify` computes the same digest.
 */
export interface PlatformFilter {
  os: string[];
  /** `amd64`, or `arm/v7` to also match a variant. */
  arch: string[];
}

export function isFilterActive(filter: PlatformFilter | undefined): filter is PlatformFilter {
  return filter !== undefined && (filter.os.length > 0 || filter.arch.length > 0);
}

export function matchesPlatform(descriptor: Descriptor, filter: PlatformFilter): boolean {
  const platform = descriptor.platform;
  if (!platform) return false;
  const osOk = filter.os.length === 0 || filter.os.includes(platform.os);
  const archOk =
    filter.arch.length === 0 ||
    filter.arch.some((entry) => {
      const [architecture, variant] = entry.split("/");
      return architecture === platform.architecture && (variant === undefined || variant === platform.variant);
    });
  return osOk && archOk;
}

export function filterIndex(manifest: FetchedManifest, index: IndexManifest, filter: PlatformFilter, host: string): FetchedManifest {
  const kept = index.manifests.filter((entry) => matchesPlatform(entry, filter));
  if (kept.length === index.manifests.length) return manifest;
  if (kept.length === 0) {
    const wanted = [filter.os.length ? `os ${filter.os.join("|")}` : "", filter.arch.length ? `arch ${filter.arch.join("|")}` : ""].filter(Boolean).join(", ");
    throw new UnsupportedManifestError(`${host}: no entry of the multi-arch image matches ${wanted}`, { host });
  }
  const bytes = Buffer.from(JSON.stringify({ ...index.json, manifests: kept }));
  return { bytes, mediaType: index.mediaType, digest: digestOf(bytes) };
}
