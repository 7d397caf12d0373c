import { join } from "node:path";
import { Artifact, blobsOf, Platform, writeDirTransport, writeOciLayout } from "./oci-layout";
import { RegistryHttp } from "./registry-http";
import type { RegistryServer } from "./registry-server";
import { makeTempDir, removeTempDir } from "./processes";
import { manifestDigest, skopeoCopy } from "./skopeo";

/** What a test needs to know about an image it pushed. */
export interface BuiltImage {
  /** "repo:tag" */
  ref: string;
  digest: string;
  mediaType: string;
  manifest: Buffer;
  /** Every config and layer reachable, children's included, each once. Manifests are not listed. */
  blobs: { digest: string; size: number }[];
  /** For an index or list: its instances. */
  children?: { digest: string; mediaType: string; size: number; platform: Platform }[];
}

/**
 * Pushes `artifact` with skopeo so the registry holds exactly the bytes built here, then
 * asks skopeo for the digest back. OCI artifacts go through an OCI layout; Docker ones
 * through skopeo's `dir:` transport, because skopeo 1.9 ignores index.json entries with
 * Docker media types ("no descriptor found for reference").
 */
export async function pushImage(registry: RegistryServer, repoTag: string, artifact: Artifact, creds?: string): Promise<BuiltImage> {
  const { repository, tag } = splitRepoTag(repoTag);
  const dir = makeTempDir("registry-dr-push-");
  try {
    const source = join(dir, "image");
    if (artifact.format === "oci") await writeOciLayout(source, tag, artifact);
    else await writeDirTransport(source, artifact);
    const ref = `docker://${registry.host}/${repository}:${tag}`;
    await seedWithRetry(() =>
      skopeoCopy(artifact.format === "oci" ? `oci:${source}:${tag}` : `dir:${source}`, ref, {
        all: true,
        preserveDigests: true,
        ...(creds ? { destCreds: creds } : {}),
      }),
    );
    const stored = await manifestDigest(ref, creds);
    if (stored !== artifact.digest) throw new Error(`${registry.host}/${repoTag}: the registry holds ${stored}, built ${artifact.digest}`);
  } finally {
    await removeTempDir(dir);
  }
  return describePushed(repoTag, artifact);
}

/**
 * Seeding is the test bed's work, not what a test examines: distribution 2.8 sometimes loses a
 * race between concurrent pushes of shared blobs into one repository ("manifest blob unknown",
 * or a 500 under load), and a second push of the same bytes succeeds. Once more, then fail.
 */
async function seedWithRetry(push: () => Promise<void>): Promise<void> {
  try {
    await push();
  } catch (error) {
    if (!/blob unknown|digest invalid|\b500 \(?Internal Server Error|unexpected EOF/i.test((error as Error).message)) throw error;
    await push();
  }
}

/**
 * Puts further tags on an artifact already pushed to the same repository: one manifest
 * PUT each instead of a skopeo run each. The children of an index are already there.
 */
export async function addTags(registry: RegistryServer, repository: string, tags: string[], artifact: Artifact, creds?: string): Promise<BuiltImage[]> {
  const http = new RegistryHttp(registry, creds);
  for (const tag of tags) await http.putManifest(repository, tag, artifact.manifest, artifact.mediaType, artifact.digest);
  return tags.map((tag) => describePushed(`${repository}:${tag}`, artifact));
}

export function describePushed(ref: string, artifact: Artifact): BuiltImage {
  const built: BuiltImage = {
    ref,
    digest: artifact.digest,
    mediaType: artifact.mediaType,
    manifest: artifact.manifest,
    blobs: blobsOf(artifact).map(({ digest, size }) => ({ digest, size })),
  };
  if (artifact.kind === "index") {
    built.children = artifact.children.map((child) => ({
      digest: child.digest,
      mediaType: child.mediaType,
      size: child.manifest.length,
      platform: child.platform,
    }));
  }
  return built;
}

export function splitRepoTag(repoTag: string): { repository: string; tag: string } {
  const colon = repoTag.lastIndexOf(":");
  if (colon <= repoTag.lastIndexOf("/")) throw new Error(`expected repository:tag, got "${repoTag}"`);
  return { repository: repoTag.slice(0, colon), tag: repoTag.slice(colon + 1) };
}
