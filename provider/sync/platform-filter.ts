import { Descriptor, FetchedManifest, IndexManifest, digestOf, UnsupportedManifestError } from "../clients/oci";

/**
 * `--os` / `--arch` for multi-arch images. An index whose every entry matches is copied
 * as it is (digest preserved); otherwise the destination gets an index of the matching
 * entries only, serialized deterministically so `verify` computes the same digest.
 *
 * Selectors are image-syncer's: `os` or `os:osversion` (`windows:10.0.17763.1999`), and
 * `arch` or `arch:variant` (`arm:v7`); `arch/variant` (`arm/v7`, as docker writes it) too.
 */
export interface PlatformFilter {
  /** `linux`, or `windows:10.0.17763.1999` to also match `os.version`. */
  os: string[];
  /** `amd64`, or `arm:v7` (or `arm/v7`) to also match a variant. */
  arch: string[];
}

export function isFilterActive(filter: PlatformFilter | undefined): filter is PlatformFilter {
  return filter !== undefined && (filter.os.length > 0 || filter.arch.length > 0);
}

/** A selector's two parts; the second is undefined when only the first is given. */
interface Selector {
  name: string;
  detail?: string;
}

const SELECTOR_PART = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

/** Splits and checks one selector; a mistyped one would otherwise match nothing, silently. */
export function parsePlatformSelector(kind: "os" | "arch", text: string): Selector {
  const separator = kind === "os" ? /:/ : /[:/]/;
  const at = text.search(separator);
  const name = at < 0 ? text : text.slice(0, at);
  const detail = at < 0 ? undefined : text.slice(at + 1);
  if (!SELECTOR_PART.test(name) || (detail !== undefined && !SELECTOR_PART.test(detail))) {
    const example = kind === "os" ? "linux, or os:osversion such as windows:10.0.17763.1999" : "amd64, or arch:variant such as arm:v7 (arm/v7 too)";
    throw new Error(`invalid ${kind} selector ${JSON.stringify(text)}: expected ${example}`);
  }
  return { name, detail };
}

export function matchesPlatform(descriptor: Descriptor, filter: PlatformFilter): boolean {
  const platform = descriptor.platform as Record<string, unknown> | undefined;
  if (typeof platform !== "object" || platform === null) return false;
  const osOk = filter.os.length === 0 || filter.os.some((entry) => selectorMatches(parsePlatformSelector("os", entry), platform.os, platform["os.version"]));
  const archOk =
    filter.arch.length === 0 || filter.arch.some((entry) => selectorMatches(parsePlatformSelector("arch", entry), platform.architecture, platform.variant));
  return osOk && archOk;
}

/** The index is the registry's answer: a field that is not a string matches nothing. */
function selectorMatches(selector: Selector, name: unknown, detail: unknown): boolean {
  if (typeof name !== "string" || name !== selector.name) return false;
  return selector.detail === undefined || (typeof detail === "string" && detail === selector.detail);
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
