import { isDigest } from "./digest";
import { UnsupportedManifestError } from "./errors";
import { Descriptor, MediaType } from "./media-types";
import { checkAnsweredDigest, checkMediaType, quoteAnswer } from "./registry-answers";

/**
 * OCI 1.1 referrers: artifacts (signatures, SBOMs, attestations) whose manifest names an
 * image as its `subject`. A registry either lists them (`GET /v2/<name>/referrers/<digest>`)
 * or clients keep an index under the fallback tag `sha256-<hex>` (the referrers tag schema).
 * cosign's older layout uses plain tags next to it: `sha256-<hex>.sig`, `.att`, `.sbom`.
 */

export interface ReferrerDescriptor extends Descriptor {
  artifactType?: string;
  annotations?: Record<string, string>;
}

/** cosign's tag suffixes: signatures, attestations, SBOMs. */
export const COSIGN_SUFFIXES = [".sig", ".att", ".sbom"] as const;

/** `sha256:<hex>` -> `sha256-<hex>`: the fallback tag, and the stem of cosign's tags. */
export function referrersTag(digest: string): string {
  if (!isDigest(digest)) throw new Error(`not a digest: ${quoteAnswer(digest)}`);
  return digest.replace(":", "-");
}

/** The `subject` digest a manifest names, if any; a malformed subject is an error, not a silent miss. */
export function subjectOf(bytes: Uint8Array, host: string, origin: string): string | undefined {
  const json = parseJson(bytes, host, origin);
  const subject = json.subject as { digest?: unknown } | undefined;
  if (subject === undefined) return undefined;
  if (typeof subject !== "object" || subject === null) throw new UnsupportedManifestError(`${host}: the subject of ${origin} is not a descriptor`, { host });
  return checkAnsweredDigest(subject.digest, host, `the subject of ${origin}`);
}

/** The descriptor a referrers list (API or fallback index) holds for a manifest, as the spec derives it. */
export function referrerDescriptor(bytes: Uint8Array, mediaType: string, digest: string, host: string, origin: string): ReferrerDescriptor {
  const json = parseJson(bytes, host, origin);
  const config = json.config as { mediaType?: unknown } | undefined;
  const artifactType = typeof json.artifactType === "string" ? json.artifactType : typeof config?.mediaType === "string" ? config.mediaType : undefined;
  const descriptor: ReferrerDescriptor = { mediaType, digest, size: bytes.length };
  if (artifactType !== undefined) descriptor.artifactType = checkMediaType(artifactType, host, `the artifactType of ${origin}`);
  if (isStringMap(json.annotations)) descriptor.annotations = json.annotations;
  return descriptor;
}

/**
 * The entries of a referrers list (the API's answer or a fallback index), checked: it must be
 * an OCI index, and every digest, size and media type must be in the grammar.
 */
export function parseReferrersIndex(bytes: Uint8Array, host: string, origin: string): ReferrerDescriptor[] {
  const json = parseJson(bytes, host, origin);
  if (json.mediaType !== undefined && json.mediaType !== MediaType.ociIndex) {
    throw new UnsupportedManifestError(`${host}: ${origin} is ${quoteAnswer(json.mediaType)}, expected an OCI index (${MediaType.ociIndex})`, { host });
  }
  const manifests = json.manifests ?? [];
  if (!Array.isArray(manifests)) throw new UnsupportedManifestError(`${host}: the manifests of ${origin} are not a list`, { host });
  return manifests.map((entry: unknown) => checkReferrer(entry, host, origin));
}

/** A fallback index holding `entries`, in the order given. */
export function referrersIndexBytes(entries: ReferrerDescriptor[]): Buffer {
  return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: entries }));
}

function checkReferrer(entry: unknown, host: string, origin: string): ReferrerDescriptor {
  const value = entry as Record<string, unknown>;
  if (typeof value !== "object" || value === null) throw new UnsupportedManifestError(`${host}: an entry of ${origin} is not a descriptor`, { host });
  const digest = checkAnsweredDigest(value.digest, host, origin);
  if (!Number.isSafeInteger(value.size) || (value.size as number) < 0)
    throw new UnsupportedManifestError(`${host}: invalid size ${quoteAnswer(value.size)} of ${digest} in ${origin}`, { host });
  const descriptor: ReferrerDescriptor = { mediaType: checkMediaType(value.mediaType, host, origin), digest, size: value.size as number };
  if (value.artifactType !== undefined) descriptor.artifactType = checkMediaType(value.artifactType, host, origin);
  if (isStringMap(value.annotations)) descriptor.annotations = value.annotations;
  return descriptor;
}

function parseJson(bytes: Uint8Array, host: string, origin: string): Record<string, unknown> {
  try {
    const json = JSON.parse(Buffer.from(bytes).toString("utf8"));
    if (typeof json === "object" && json !== null && !Array.isArray(json)) return json;
  } catch {
    // Reported below.
  }
  throw new UnsupportedManifestError(`${host}: ${origin} is not a JSON object`, { host });
}

function isStringMap(value: unknown): value is Record<string, string> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === "string");
}
