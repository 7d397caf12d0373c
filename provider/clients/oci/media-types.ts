import { UnsupportedManifestError } from "./errors";
import { checkAnsweredDigest, checkMediaType } from "./registry-answers";

export const MediaType = {
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerManifestList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerSchema1: "application/vnd.docker.distribution.manifest.v1+json",
  dockerSchema1Signed: "application/vnd.docker.distribution.manifest.v1+prettyjws",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociIndex: "application/vnd.oci.image.index.v1+json",
  dockerForeignLayer: "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
  ociNondistributableLayer: "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
} as const;

/** Sent as `Accept` on every manifest request, so the registry never down-converts to schema 1. */
export const MANIFEST_ACCEPT = [MediaType.ociIndex, MediaType.dockerManifestList, MediaType.ociManifest, MediaType.dockerManifest].join(", ");

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  /** Windows images name their build here, e.g. 10.0.17763.1999. */
  "os.version"?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  urls?: string[];
}

/** A manifest that lists other manifests (Docker manifest list or OCI index). */
export interface IndexManifest {
  kind: "index";
  mediaType: string;
  manifests: Descriptor[];
  json: Record<string, unknown>;
}

/** A single image (or OCI artifact): a config blob and layer blobs. */
export interface ImageManifest {
  kind: "image";
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
}

export type ParsedManifest = IndexManifest | ImageManifest;

/**
 * Entries of one image index. Real ones hold a few dozen: every platform, plus the attestation
 * manifest buildx adds per platform. An index of 100,000 entries is a registry leading us on:
 * each entry costs requests at both ends, and verify and --repair would walk them all again.
 */
export const MAX_INDEX_ENTRIES = 1000;

function isDescriptor(value: unknown): value is Descriptor {
  const d = value as Descriptor;
  return typeof d === "object" && d !== null && typeof d.digest === "string" && typeof d.size === "number";
}

/**
 * Reads what a copier needs from manifest bytes. The media type comes from the
 * registry's Content-Type, falling back to the manifest's own `mediaType` field
 * (OCI manifests may omit it); shape decides when both are silent.
 *
 * Every digest and media type in it is checked against the grammar: they go into URLs
 * and headers of later requests. `origin` names the manifest in errors (`host/repo:tag`).
 */
export function parseManifest(bytes: Uint8Array, contentType: string | undefined, host: string, origin: string = host): ParsedManifest {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch {
    throw new UnsupportedManifestError(`${host}: manifest is not valid JSON`, { host });
  }
  const declared = typeof json.mediaType === "string" ? json.mediaType : undefined;
  const mediaType = pickMediaType(contentType, declared, json);
  if (mediaType === MediaType.dockerSchema1 || mediaType === MediaType.dockerSchema1Signed || json.schemaVersion === 1) {
    throw new UnsupportedManifestError(`${host}: Docker schema 1 manifests are not supported (deprecated; re-push the image with a current client)`, { host });
  }
  if (Array.isArray(json.manifests)) {
    if (json.manifests.length > MAX_INDEX_ENTRIES)
      throw new UnsupportedManifestError(
        `${host}: the index of ${origin} lists ${json.manifests.length} manifests, more than the ${MAX_INDEX_ENTRIES} an image index is allowed here`,
        { host },
      );
    if (!json.manifests.every(isDescriptor)) throw malformed(host, "manifests[]");
    const manifests = json.manifests as Descriptor[];
    for (const child of manifests) checkDescriptor(child, host, `the index of ${origin}`);
    return { kind: "index", mediaType: checkMediaType(mediaType, host, `the index of ${origin}`), manifests, json };
  }
  if (!isDescriptor(json.config)) throw malformed(host, "config");
  const layers = json.layers ?? [];
  if (!Array.isArray(layers) || !layers.every(isDescriptor)) throw malformed(host, "layers[]");
  for (const descriptor of [json.config, ...layers]) checkDescriptor(descriptor, host, `the manifest of ${origin}`);
  return { kind: "image", mediaType: checkMediaType(mediaType, host, `the manifest of ${origin}`), config: json.config, layers };
}

function checkDescriptor(descriptor: Descriptor, host: string, context: string): void {
  // A descriptor's media type goes into no URL; the one used as a Content-Type is checked where it is sent.
  checkAnsweredDigest(descriptor.digest, host, context);
  if (!Number.isSafeInteger(descriptor.size) || descriptor.size < 0) {
    throw new UnsupportedManifestError(`${host}: invalid size ${JSON.stringify(descriptor.size)} of ${descriptor.digest} in ${context}`, { host });
  }
}

function pickMediaType(contentType: string | undefined, declared: string | undefined, json: Record<string, unknown>): string {
  const header = contentType?.split(";")[0].trim();
  if (header && header !== "application/json" && header !== "application/octet-stream") return header;
  if (declared) return declared;
  return Array.isArray(json.manifests) ? MediaType.ociIndex : MediaType.ociManifest;
}

function malformed(host: string, field: string): UnsupportedManifestError {
  return new UnsupportedManifestError(`${host}: manifest field ${field} is missing or not a list of descriptors`, { host });
}

/** Blobs a manifest references that a registry stores; foreign layers live elsewhere by design. */
export function referencedBlobs(manifest: ImageManifest): Descriptor[] {
  const layers = manifest.layers.filter(
    (layer) => layer.mediaType !== MediaType.dockerForeignLayer && layer.mediaType !== MediaType.ociNondistributableLayer && !layer.urls?.length,
  );
  return [manifest.config, ...layers];
}
