import {
  Descriptor,
  FetchedManifest,
  MediaType,
  ReferrerDescriptor,
  RegistryClient,
  digestOf,
  parseManifest,
  parseReferrersIndex,
  referrersIndexBytes,
  referrersTag,
} from "../clients/oci";
import { TransferEnds } from "./blob-transfer";
import { MAX_ARTIFACT_BYTES } from "./artifact-size";
import { CopyContext, copyManifestTree } from "./copy-image";
import { FoundReferrers, ReferrerDirectory } from "./referrer-discovery";

/**
 * Copies what travels with an image, after the image itself (Harbor refuses a referrer
 * whose subject it does not hold): cosign's tags, then every referrer by digest, each
 * followed by its own referrers (a signature of an SBOM). Where the destination has no
 * referrers API, the fallback index `sha256-<hex>` is merged: entries someone else put
 * there stay.
 */

export interface ReferrerCopyContext extends CopyContext {
  referrers: ReferrerDirectory;
}

/** A signature of a signature of ... stops here: real chains are two or three deep. */
const MAX_DEPTH = 8;

/**
 * What travels with an image just copied: its own referrers, then, for an index, those of
 * each platform's manifest in it (cosign `--recursive` signs every child, SBOMs are made per
 * architecture). `image` is what was pushed, so with a platform filter only the kept
 * children are walked. Every subject is at the destination by now.
 */
export async function copyImageReferrers(ends: TransferEnds, image: FetchedManifest, context: ReferrerCopyContext): Promise<void> {
  await copyReferrers(ends, image.digest, context);
  await copyChildReferrers(ends, indexChildren(image, ends.source.host, `${ends.source.host}/${ends.sourceRepository}@${image.digest}`), context);
}

/** The referrers of an index's children, one child after another (a few per index). */
export async function copyChildReferrers(ends: TransferEnds, children: Descriptor[], context: ReferrerCopyContext): Promise<void> {
  for (const child of children) await copyReferrers(ends, child.digest, context);
}

/** The entries of an index; none for an image manifest. */
export function indexChildren(manifest: FetchedManifest, host: string, origin: string): Descriptor[] {
  const parsed = parseManifest(manifest.bytes, manifest.mediaType, host, origin);
  return parsed.kind === "index" ? parsed.manifests : [];
}

export function copyReferrers(ends: TransferEnds, subject: string, context: ReferrerCopyContext, depth = 0): Promise<void> {
  return context.ledger.once("referrers", ends.destination.host, ends.destinationRepository, subject, async () => {
    if (depth >= MAX_DEPTH) return;
    const found = await context.referrers.find(ends.source, ends.sourceRepository, subject);
    warnForeign(found, ends, subject, context);
    for (const tag of found.cosignTags) await copyTagged(ends, tag, context, depth);
    const copied: ReferrerDescriptor[] = [];
    for (const { descriptor, manifest } of found.referrers) {
      await copyByDigest(ends, descriptor, manifest, context);
      copied.push(descriptor);
      await copyReferrers(ends, descriptor.digest, context, depth + 1);
    }
    if (copied.length > 0) await indexAtDestination(ends, subject, copied, context);
  });
}

async function copyTagged(ends: TransferEnds, tag: string, context: ReferrerCopyContext, depth: number): Promise<void> {
  const source = await ends.source.headManifest(ends.sourceRepository, tag);
  if (!source) return; // Deleted since the tag list was read.
  const present = await ends.destination.headManifest(ends.destinationRepository, tag);
  if (present?.digest !== source.digest || context.force) {
    const manifest = await ends.source.getManifest(ends.sourceRepository, source.digest);
    await copyManifestTree(
      ends,
      { ...manifest, mediaType: manifest.mediaType || source.mediaType || "" },
      tag,
      { ...context, artifactLimit: MAX_ARTIFACT_BYTES },
      `${ends.source.host}/${ends.sourceRepository}:${tag}`,
    );
  }
  await copyReferrers(ends, source.digest, context, depth + 1);
}

async function copyByDigest(
  ends: TransferEnds,
  descriptor: ReferrerDescriptor,
  manifest: FetchedManifest | undefined,
  context: ReferrerCopyContext,
): Promise<void> {
  if (!context.force && (await ends.destination.headManifest(ends.destinationRepository, descriptor.digest))?.digest === descriptor.digest) return;
  const fetched = manifest ?? (await ends.source.getManifest(ends.sourceRepository, descriptor.digest));
  await copyManifestTree(ends, { ...fetched, mediaType: fetched.mediaType || descriptor.mediaType }, descriptor.digest, {
    ...context,
    artifactLimit: MAX_ARTIFACT_BYTES,
  });
}

/** A registry with the referrers API indexes what was pushed; without one the fallback index is ours to keep. */
async function indexAtDestination(ends: TransferEnds, subject: string, copied: ReferrerDescriptor[], context: ReferrerCopyContext): Promise<void> {
  if (await context.referrers.apiReferrers(ends.destination, ends.destinationRepository, subject)) return;
  await mergeFallbackIndex(ends.destination, ends.destinationRepository, subject, copied);
}

/** Adds `entries` to the destination's `sha256-<hex>` index, keeping every entry already there. */
export async function mergeFallbackIndex(client: RegistryClient, repository: string, subject: string, entries: ReferrerDescriptor[]): Promise<void> {
  const tag = referrersTag(subject);
  const existing = await fallbackEntries(client, repository, subject);
  const known = new Set(existing.map((entry) => entry.digest));
  const added = entries.filter((entry) => !known.has(entry.digest));
  if (added.length === 0) return;
  const bytes = referrersIndexBytes([...existing, ...added.map(withoutExtras)]);
  await client.putManifest(repository, tag, { bytes, mediaType: MediaType.ociIndex, digest: digestOf(bytes) });
}

/** The entries of a registry's fallback index for `subject`; none when there is no such tag. */
export async function fallbackEntries(client: RegistryClient, repository: string, subject: string): Promise<ReferrerDescriptor[]> {
  const tag = referrersTag(subject);
  const head = await client.headManifest(repository, tag);
  if (!head) return [];
  const index = await client.getManifest(repository, head.digest);
  return parseReferrersIndex(index.bytes, client.host, `the referrers index ${client.host}/${repository}:${tag}`);
}

function withoutExtras(entry: ReferrerDescriptor): ReferrerDescriptor {
  const { mediaType, digest, size, artifactType, annotations } = entry;
  return { mediaType, digest, size, ...(artifactType ? { artifactType } : {}), ...(annotations ? { annotations } : {}) };
}

function warnForeign(found: FoundReferrers, ends: TransferEnds, subject: string, context: CopyContext): void {
  if (found.foreign.length === 0) return;
  const list = found.listedBy === "api" ? "the referrers API's list" : "the referrers index";
  context.emit({
    type: "warning",
    message: `${ends.source.host}/${ends.sourceRepository}: ${list} of ${subject} holds ${found.foreign.join(", ")}, which name another subject: not copied`,
  });
}
