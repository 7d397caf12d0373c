import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { buildLayer, Layer, LayerSpec, sha256, StoredBlob } from "./layers";

/**
 * Image and index manifests built byte by byte here, and written to disk in a form skopeo
 * copies without touching them (`--preserve-digests`), so a registry ends up holding exactly
 * these bytes and the digests computed here are an oracle independent of registry-dr.
 */

export type ImageFormat = "oci" | "docker";

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  /** Windows builds, e.g. 10.0.17763.1999. */
  "os.version"?: string;
}

export const MEDIA_TYPES = {
  oci: {
    manifest: "application/vnd.oci.image.manifest.v1+json",
    index: "application/vnd.oci.image.index.v1+json",
    config: "application/vnd.oci.image.config.v1+json",
    layer: "application/vnd.oci.image.layer.v1.tar+gzip",
  },
  docker: {
    manifest: "application/vnd.docker.distribution.manifest.v2+json",
    index: "application/vnd.docker.distribution.manifest.list.v2+json",
    config: "application/vnd.docker.container.image.v1+json",
    layer: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  },
} as const;

export interface ImageArtifact {
  kind: "image";
  format: ImageFormat;
  mediaType: string;
  digest: string;
  manifest: Buffer;
  platform: Platform;
  config: StoredBlob;
  layers: Layer[];
}

export interface IndexArtifact {
  kind: "index";
  format: ImageFormat;
  mediaType: string;
  digest: string;
  manifest: Buffer;
  children: ImageArtifact[];
}

export type Artifact = ImageArtifact | IndexArtifact;

export interface ImageSpec {
  format: ImageFormat;
  /** Specs are built (and cached) in memory; prebuilt layers may live in files. */
  layers: (LayerSpec | Layer)[];
  platform?: Platform;
  /** Config labels: the way to make two images with the same layers differ. */
  labels?: Record<string, string>;
}

export interface IndexSpec {
  format: ImageFormat;
  /** Each child must be of the same format and carry a distinct platform. */
  images: ImageArtifact[];
}

const DEFAULT_PLATFORM: Platform = { os: "linux", architecture: "amd64" };
// Fixed so that configs, and so digests, do not change from run to run.
const CREATED = "2024-01-01T00:00:00Z";

export function buildImage(spec: ImageSpec): ImageArtifact {
  const types = MEDIA_TYPES[spec.format];
  const platform = spec.platform ?? DEFAULT_PLATFORM;
  const layers = spec.layers.map((layer) => ("digest" in layer ? layer : buildLayer(layer)));
  const configJson = {
    architecture: platform.architecture,
    os: platform.os,
    ...(platform["os.version"] ? { "os.version": platform["os.version"] } : {}),
    ...(platform.variant ? { variant: platform.variant } : {}),
    created: CREATED,
    config: {
      Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
      Cmd: ["/bin/sh"],
      ...(spec.labels ? { Labels: spec.labels } : {}),
    },
    rootfs: { type: "layers", diff_ids: layers.map((layer) => layer.diffId) },
    history: layers.map((layer) => ({ created: CREATED, created_by: `registry-dr test fixture: layer ${layer.diffId.slice(7, 19)}` })),
  };
  const configBytes = Buffer.from(JSON.stringify(configJson));
  const config: StoredBlob = { digest: sha256(configBytes), size: configBytes.length, content: { bytes: configBytes } };
  const manifestJson = {
    schemaVersion: 2,
    mediaType: types.manifest,
    config: { mediaType: types.config, digest: config.digest, size: config.size },
    layers: layers.map((layer) => ({ mediaType: types.layer, digest: layer.digest, size: layer.size })),
  };
  const manifest = serialize(spec.format, manifestJson);
  return { kind: "image", format: spec.format, mediaType: types.manifest, digest: sha256(manifest), manifest, platform, config, layers };
}

export function buildIndex(spec: IndexSpec): IndexArtifact {
  const types = MEDIA_TYPES[spec.format];
  for (const image of spec.images) {
    if (image.format !== spec.format) throw new Error(`a ${spec.format} index cannot hold a ${image.format} image`);
  }
  const indexJson = {
    schemaVersion: 2,
    mediaType: types.index,
    manifests: spec.images.map((image) => ({
      mediaType: image.mediaType,
      digest: image.digest,
      size: image.manifest.length,
      platform: {
        architecture: image.platform.architecture,
        os: image.platform.os,
        ...(image.platform["os.version"] ? { "os.version": image.platform["os.version"] } : {}),
        ...(image.platform.variant ? { variant: image.platform.variant } : {}),
      },
    })),
  };
  const manifest = serialize(spec.format, indexJson);
  return { kind: "index", format: spec.format, mediaType: types.index, digest: sha256(manifest), manifest, children: spec.images };
}

/**
 * Docker's tools write manifests indented by three spaces, OCI tools compactly; keeping
 * both shapes means a client that re-serialises JSON breaks a digest and gets caught.
 */
function serialize(format: ImageFormat, json: object): Buffer {
  return Buffer.from(format === "docker" ? JSON.stringify(json, null, 3) : JSON.stringify(json));
}

/** Every config and layer reachable from the artifact, each once. Manifests are not blobs here. */
export function blobsOf(artifact: Artifact): StoredBlob[] {
  const images = artifact.kind === "image" ? [artifact] : artifact.children;
  const seen = new Map<string, StoredBlob>();
  for (const image of images) {
    for (const blob of [image.config, ...image.layers]) if (!seen.has(blob.digest)) seen.set(blob.digest, blob);
  }
  return [...seen.values()];
}

/** The manifests of the artifact, the top one first. */
export function manifestsOf(artifact: Artifact): { digest: string; mediaType: string; manifest: Buffer }[] {
  return artifact.kind === "image" ? [artifact] : [artifact, ...artifact.children];
}

/**
 * An OCI image layout (oci-layout, index.json, blobs/sha256/…) holding `artifact` under
 * `refName`, for `skopeo copy oci:<dir>:<refName>`. Blobs kept in files are symlinked.
 */
export async function writeOciLayout(dir: string, refName: string, artifact: Artifact): Promise<void> {
  const blobDir = join(dir, "blobs", "sha256");
  await mkdir(blobDir, { recursive: true });
  await writeFile(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  const index = {
    schemaVersion: 2,
    manifests: [
      { mediaType: artifact.mediaType, digest: artifact.digest, size: artifact.manifest.length, annotations: { "org.opencontainers.image.ref.name": refName } },
    ],
  };
  await writeFile(join(dir, "index.json"), JSON.stringify(index));
  for (const manifest of manifestsOf(artifact)) await writeFile(join(blobDir, hex(manifest.digest)), manifest.manifest);
  for (const blob of blobsOf(artifact)) await placeBlob(blob, join(blobDir, hex(blob.digest)));
}

/**
 * skopeo's `dir:` transport layout: `version`, `manifest.json`, one file per blob named by
 * its digest's hex, and for a list each instance's manifest as `<hex>.manifest.json`.
 * It carries Docker media types through unchanged, which an OCI layout in skopeo 1.9 does not.
 */
export async function writeDirTransport(dir: string, artifact: Artifact): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "version"), "Directory Transport Version: 1.1\n");
  await writeFile(join(dir, "manifest.json"), artifact.manifest);
  if (artifact.kind === "index") {
    for (const child of artifact.children) await writeFile(join(dir, `${hex(child.digest)}.manifest.json`), child.manifest);
  }
  for (const blob of blobsOf(artifact)) await placeBlob(blob, join(dir, hex(blob.digest)));
}

async function placeBlob(blob: StoredBlob, target: string): Promise<void> {
  if ("bytes" in blob.content) await writeFile(target, blob.content.bytes);
  else await symlink(blob.content.path, target);
}

const hex = (digest: string) => digest.replace(/^sha256:/, "");
