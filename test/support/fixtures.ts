import { mapConcurrent } from "../../provider/sync/concurrency";
import { writeLayerFile } from "./layers";
import { Artifact, buildImage, buildIndex, blobsOf, ImageArtifact, ImageFormat, Platform } from "./oci-layout";
import { makeTempDir } from "./processes";
import { addTags, BuiltImage, pushImage } from "./push";
import type { RegistryServer } from "./registry-server";

/**
 * The images the integration tests and the benchmark copy around: repositories that share
 * base layers (so mounts and dedup matter), multi-arch indexes in both formats, and a
 * repository with more tags than one page of a tag list.
 */

export { pushImage, addTags } from "./push";
export type { BuiltImage } from "./push";
export type SmallImage = BuiltImage;

export type FixturePart = "shared-base" | "multi-arch" | "many-tags";

export interface FixtureOptions {
  /** Layer-size multiplier: 1 (default) gives layers of a few KB to ~160 KB; the bench uses 20. */
  scale?: number;
  /** "user:password" for a registry with auth. */
  creds?: string;
  /** Which parts to push; all by default. */
  parts?: FixturePart[];
  /** skopeo processes at once; default 4. */
  concurrency?: number;
}

export interface FixtureTag {
  tag: string;
  digest: string;
  mediaType: string;
}

export interface FixtureRepo {
  name: string;
  tags: FixtureTag[];
}

export interface Fixture {
  repos: FixtureRepo[];
  /** Sum of the sizes of the distinct configs and layers pushed (manifests not counted). */
  uniqueBlobBytes: number;
  /** One entry per distinct manifest pushed (tags beyond the first are not repeated). */
  images: BuiltImage[];
  /** Wall time of the seeding, for logs. */
  seedMs: number;
}

export interface PlannedRepo {
  name: string;
  tags: { tag: string; artifact: Artifact }[];
}

const KB = 1024;
export const MANY_TAGS = 120;
/** Tags of many/tags per distinct manifest: several tags share one manifest. */
const TAGS_PER_MANY_IMAGE = 3;

/** The standard fixture as data, built but not pushed; the same bytes on every run. */
export function planStandardFixture(scale = 1, parts: FixturePart[] = ["shared-base", "multi-arch", "many-tags"]): PlannedRepo[] {
  const size = (kb: number) => Math.max(1, Math.round(kb * KB * scale));
  const layer = (seed: string, kb: number) => ({ seed: `standard/${seed}`, size: size(kb) });
  const repos: PlannedRepo[] = [];

  if (parts.includes("shared-base")) {
    const baseOs = layer("base-os", 160);
    // Docker schema 2, as on Docker Hub; apps/web is OCI on the same blobs.
    const alpine = (version: string, kb: number) => buildImage({ format: "docker", layers: [baseOs, layer(`alpine-${version}`, kb)] });
    const web = (version: string, alpineVersion: string, runtime: string, kb: number) =>
      buildImage({
        format: "oci",
        layers: [
          baseOs,
          layer(`alpine-${alpineVersion}`, alpineVersion === "3.18" ? 12 : 14),
          layer(`web-runtime-${runtime}`, runtime === "1" ? 96 : 110),
          layer(`web-app-${version}`, kb),
        ],
      });
    repos.push({
      name: "library/alpine-like",
      tags: [
        { tag: "3.18", artifact: alpine("3.18", 12) },
        { tag: "3.19", artifact: alpine("3.19", 14) },
      ],
    });
    repos.push({
      name: "apps/web",
      tags: [
        { tag: "1.0", artifact: web("1.0", "3.18", "1", 24) },
        { tag: "1.1", artifact: web("1.1", "3.18", "1", 26) },
        { tag: "2.0", artifact: web("2.0", "3.19", "2", 30) },
      ],
    });
  }

  if (parts.includes("multi-arch")) {
    const platformImage = (format: ImageFormat, platform: Platform, shared: string, kb: number) =>
      buildImage({ format, platform, layers: [layer(`${shared}-common`, 8), layer(`${shared}-${platformName(platform)}`, kb)] });
    const ociPlatforms: Platform[] = [
      { os: "linux", architecture: "amd64" },
      { os: "linux", architecture: "arm64" },
      { os: "linux", architecture: "arm", variant: "v7" },
    ];
    const dockerPlatforms: Platform[] = [
      { os: "linux", architecture: "amd64" },
      { os: "linux", architecture: "arm64" },
    ];
    const ociIndex = buildIndex({ format: "oci", images: ociPlatforms.map((p) => platformImage("oci", p, "oci-index", 48)) });
    const dockerList = buildIndex({ format: "docker", images: dockerPlatforms.map((p) => platformImage("docker", p, "docker-list", 40)) });
    repos.push({ name: "multi/oci-index", tags: [{ tag: "1.0", artifact: ociIndex }] });
    repos.push({ name: "multi/docker-list", tags: [{ tag: "1.0", artifact: dockerList }] });
  }

  if (parts.includes("many-tags")) {
    const shared = layer("many-shared", 16);
    const images: ImageArtifact[] = [];
    for (let i = 0; i < Math.ceil(MANY_TAGS / TAGS_PER_MANY_IMAGE); i++) {
      images.push(buildImage({ format: "oci", layers: [shared], labels: { "org.example.build": String(i) } }));
    }
    const tags = Array.from({ length: MANY_TAGS }, (_, i) => ({
      tag: `t${String(i).padStart(3, "0")}`,
      artifact: images[Math.floor(i / TAGS_PER_MANY_IMAGE)],
    }));
    repos.push({ name: "many/tags", tags });
  }
  return repos;
}

/** Pushes the standard fixture into `registry`; each distinct manifest once with skopeo, further tags by manifest PUT. */
export async function seedStandardFixture(registry: RegistryServer, opts: FixtureOptions = {}): Promise<Fixture> {
  const started = performance.now();
  const plan = planStandardFixture(opts.scale ?? 1, opts.parts);
  const jobs = plan.flatMap((repo) => {
    const byDigest = new Map<string, { artifact: Artifact; tags: string[] }>();
    for (const { tag, artifact } of repo.tags) {
      const entry = byDigest.get(artifact.digest) ?? { artifact, tags: [] };
      entry.tags.push(tag);
      byDigest.set(artifact.digest, entry);
    }
    return [...byDigest.values()].map((entry) => ({ repository: repo.name, ...entry }));
  });
  const images = await mapConcurrent(jobs, opts.concurrency ?? 4, async (job) => {
    const [first, ...rest] = job.tags;
    const pushed = await pushImage(registry, `${job.repository}:${first}`, job.artifact, opts.creds);
    if (rest.length > 0) await addTags(registry, job.repository, rest, job.artifact, opts.creds);
    return pushed;
  });
  const distinct = new Map<string, number>();
  for (const repo of plan) for (const { artifact } of repo.tags) for (const blob of blobsOf(artifact)) distinct.set(blob.digest, blob.size);
  return {
    repos: plan.map((repo) => ({
      name: repo.name,
      tags: repo.tags.map(({ tag, artifact }) => ({ tag, digest: artifact.digest, mediaType: artifact.mediaType })).sort((a, b) => a.tag.localeCompare(b.tag)),
    })),
    uniqueBlobBytes: [...distinct.values()].reduce((sum, size) => sum + size, 0),
    images,
    seedMs: performance.now() - started,
  };
}

/**
 * An OCI image with a 6 KB and a 100 KB layer: big enough to span several 16 KB upload chunks.
 * The same variant gives the same bytes and digest; variants share the base layer.
 */
export function smallImage(variant = ""): ImageArtifact {
  return buildImage({
    format: "oci",
    layers: [
      { seed: "small/base", size: 6 * KB },
      { seed: `small/app${variant}`, size: 100 * KB },
    ],
  });
}

export function pushSmallImage(registry: RegistryServer, repoTag: string, creds?: string, variant?: string): Promise<SmallImage> {
  return pushImage(registry, repoTag, smallImage(variant), creds);
}

/**
 * An OCI image whose single layer of about `sizeBytes` (file content; the tar adds a header
 * and padding) is streamed to a file in `dir` and never held in memory. The layer is a
 * valid gzip with stored (uncompressed) deflate blocks: real deflate of a gigabyte of
 * random bytes takes long and would gain nothing.
 */
export async function buildLargeLayerImage(sizeBytes: number, dir: string = makeTempDir("registry-dr-large-")): Promise<ImageArtifact> {
  const layer = await writeLayerFile({ seed: `large/${sizeBytes}`, size: sizeBytes }, dir);
  return buildImage({ format: "oci", layers: [layer] });
}

function platformName(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join("-");
}
