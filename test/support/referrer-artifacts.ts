import { createHash } from "node:crypto";
import { send } from "./registry-http";

/**
 * Supply-chain artifacts shaped as cosign and oras push them, built byte by byte so their
 * digests are known here: a cosign signature (a tag `sha256-<hex>.sig` next to the image),
 * OCI 1.1 referrers (manifests with `subject`), and the referrers tag schema's fallback
 * index a client maintains on a registry without the referrers API.
 */

export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
const EMPTY_CONFIG = "application/vnd.oci.empty.v1+json";

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export interface BuiltArtifact {
  digest: string;
  manifest: Buffer;
  descriptor: Descriptor;
  blobs: Buffer[];
}

export const sha256 = (bytes: Buffer) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
export const fallbackTag = (digest: string) => digest.replace(":", "-");

/** cosign's signature manifest: an OCI image whose one layer is the signed payload, no subject. */
export function cosignSignature(subject: string, note = "signature"): BuiltArtifact {
  const config = Buffer.from("{}");
  const payload = Buffer.from(
    JSON.stringify({ critical: { image: { "docker-manifest-digest": subject }, type: "cosign container image signature" }, optional: { note } }),
  );
  const manifest = json({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha256(config), size: config.length },
    layers: [
      {
        mediaType: "application/vnd.dev.cosign.simplesigning.v1+json",
        digest: sha256(payload),
        size: payload.length,
        annotations: { "dev.cosignproject.cosign/signature": Buffer.from(note).toString("base64") },
      },
    ],
  });
  return built(manifest, [config, payload]);
}

/** An OCI 1.1 artifact (SBOM, signature, attestation) naming `subject`. */
export function referrer(subject: Descriptor, artifactType: string, content: string): BuiltArtifact {
  const config = Buffer.from("{}");
  const layer = Buffer.from(content);
  const manifest = json({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType,
    config: { mediaType: EMPTY_CONFIG, digest: sha256(config), size: config.length },
    layers: [{ mediaType: artifactType, digest: sha256(layer), size: layer.length }],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    annotations: { "org.opencontainers.image.created": "2026-01-01T00:00:00Z" },
  });
  const result = built(manifest, [config, layer]);
  result.descriptor.artifactType = artifactType;
  result.descriptor.annotations = { "org.opencontainers.image.created": "2026-01-01T00:00:00Z" };
  return result;
}

/** Pushes the artifact's blobs and its manifest under `reference` (a tag, or its digest) to an unauthenticated registry. */
export async function pushArtifact(registryUrl: string, repository: string, artifact: BuiltArtifact, reference = artifact.digest): Promise<void> {
  for (const blob of artifact.blobs) await pushBlob(registryUrl, repository, blob);
  await putManifest(registryUrl, repository, reference, artifact.manifest, OCI_MANIFEST);
}

/** Writes the referrers tag schema's index `sha256-<hex>` for `subject`, as a client without the API does. */
export async function putFallbackIndex(registryUrl: string, repository: string, subject: string, entries: Descriptor[]): Promise<void> {
  await putManifest(registryUrl, repository, fallbackTag(subject), json({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: entries }), OCI_INDEX);
}

export async function getJson(url: string, accept = `${OCI_INDEX}, ${OCI_MANIFEST}`): Promise<{ status: number; body: any; headers: Record<string, unknown> }> {
  const result = await send({ method: "GET", url, headers: { accept } });
  return { status: result.status, body: result.status === 200 ? JSON.parse(result.body.toString("utf8")) : undefined, headers: result.headers };
}

export async function descriptorOf(registryUrl: string, repository: string, reference: string): Promise<Descriptor> {
  const result = await send({
    method: "HEAD",
    url: `${registryUrl}/v2/${repository}/manifests/${reference}`,
    headers: { accept: `${OCI_INDEX}, ${OCI_MANIFEST}, application/vnd.docker.distribution.manifest.v2+json` },
  });
  if (result.status !== 200) throw new Error(`HEAD ${repository}:${reference}: HTTP ${result.status}`);
  return {
    mediaType: String(result.headers["content-type"]),
    digest: String(result.headers["docker-content-digest"]),
    size: Number(result.headers["content-length"]),
  };
}

async function pushBlob(registryUrl: string, repository: string, blob: Buffer): Promise<void> {
  const start = await send({ method: "POST", url: `${registryUrl}/v2/${repository}/blobs/uploads/`, headers: { "content-length": "0" } });
  if (start.status !== 202) throw new Error(`starting an upload to ${repository}: HTTP ${start.status}`);
  const location = new URL(String(start.headers.location), registryUrl);
  location.searchParams.set("digest", sha256(blob));
  const put = await send({ method: "PUT", url: location.toString(), headers: { "content-type": "application/octet-stream" }, body: blob });
  if (put.status !== 201) throw new Error(`uploading a blob to ${repository}: HTTP ${put.status} ${put.body.toString("utf8")}`);
}

async function putManifest(registryUrl: string, repository: string, reference: string, manifest: Buffer, mediaType: string): Promise<void> {
  const put = await send({
    method: "PUT",
    url: `${registryUrl}/v2/${repository}/manifests/${reference}`,
    headers: { "content-type": mediaType },
    body: manifest,
  });
  if (put.status !== 201) throw new Error(`PUT ${repository}:${reference}: HTTP ${put.status} ${put.body.toString("utf8")}`);
}

function built(manifest: Buffer, blobs: Buffer[]): BuiltArtifact {
  const digest = sha256(manifest);
  return { digest, manifest, blobs, descriptor: { mediaType: OCI_MANIFEST, digest, size: manifest.length } };
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}
