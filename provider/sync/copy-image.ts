import { Descriptor, FetchedManifest, RegistryClient, parseManifest, referencedBlobs } from "../clients/oci";
import { BlobLedger } from "./blob-ledger";
import { Semaphore } from "./concurrency";
import { SyncEventListener } from "./events";
import { TransferEnds, transferBlob } from "./blob-transfer";

/**
 * Copies one manifest tree, bottom-up: every blob an image manifest references exists at
 * the destination before the manifest is pushed, and every child of an index before the
 * index. A destination therefore never serves a manifest whose content is missing, even
 * if the copy is killed half-way. Manifest bytes are pushed exactly as read, so digests
 * are preserved.
 */

export interface CopyContext {
  ledger: BlobLedger;
  /** Bounds blob transfers across all images of the run. */
  transfers: Semaphore;
  /**
   * Re-push manifests the destination already has, and walk into index children it has
   * (what `--repair` needs). Blobs are content-addressed: present ones are never re-sent.
   */
  force: boolean;
  chunkSize?: number;
  emit: SyncEventListener;
}

/** `origin` names the source manifest in errors: `host/repo:tag` or `host/repo@digest`. */
export async function copyManifestTree(ends: TransferEnds, manifest: FetchedManifest, reference: string, context: CopyContext, origin = `${ends.source.host}/${ends.sourceRepository}@${manifest.digest}`): Promise<void> {
  const parsed = parseManifest(manifest.bytes, manifest.mediaType, ends.source.host, origin);
  if (parsed.kind === "index") {
    await allSettledOrThrow(parsed.manifests.map((child) => copyChildManifest(ends, child, context)));
  } else {
    await allSettledOrThrow(referencedBlobs(parsed).map((blob) => ensureBlob(ends, blob, context)));
  }
  await ends.destination.putManifest(ends.destinationRepository, reference, { ...manifest, mediaType: parsed.mediaType });
}

function copyChildManifest(ends: TransferEnds, child: Descriptor, context: CopyContext): Promise<void> {
  const { destination, destinationRepository } = ends;
  return context.ledger.once("manifest", destination.host, destinationRepository, child.digest, async () => {
    if (!context.force && (await destination.headManifest(destinationRepository, child.digest))?.digest === child.digest) return;
    const fetched = await ends.source.getManifest(ends.sourceRepository, child.digest);
    await copyManifestTree(ends, { ...fetched, mediaType: fetched.mediaType || child.mediaType }, child.digest, context);
  });
}

/** Makes a blob present in the destination repository by the cheapest way the run knows. */
function ensureBlob(ends: TransferEnds, blob: Descriptor, context: CopyContext): Promise<void> {
  const { destination, destinationRepository } = ends;
  return context.ledger.once("blob", destination.host, destinationRepository, blob.digest, async () => {
    const holder = await context.ledger.place(destination.host, blob.digest, () => placeBlob(ends, blob, context));
    if (holder === destinationRepository) return;
    const mount = await destination.startUpload(destinationRepository, { digest: blob.digest, from: holder });
    if (mount.mounted) {
      context.emit({ type: "blob", digest: blob.digest, size: blob.size, outcome: "mounted", destination: destinationRepository });
      return;
    }
    // The registry could not mount (202): it opened an upload session, which we use.
    await context.transfers.run(() => transferBlob(ends, blob, context, mount.uploadUrl));
    context.emit({ type: "blob", digest: blob.digest, size: blob.size, outcome: "uploaded", destination: destinationRepository });
  });
}

/** First placement of a digest on the destination host; resolves to the repository holding it. */
async function placeBlob(ends: TransferEnds, blob: Descriptor, context: CopyContext): Promise<string> {
  const { source, sourceRepository, destination, destinationRepository } = ends;
  const report = (outcome: "uploaded" | "mounted" | "present") =>
    context.emit({ type: "blob", digest: blob.digest, size: blob.size, outcome, destination: destinationRepository });
  if (await destination.hasBlob(destinationRepository, blob.digest)) {
    report("present");
    return destinationRepository;
  }
  if (sameRegistry(source, destination)) {
    const mount = await destination.startUpload(destinationRepository, { digest: blob.digest, from: sourceRepository });
    if (mount.mounted) {
      report("mounted");
      return destinationRepository;
    }
    await context.transfers.run(() => transferBlob(ends, blob, context, mount.uploadUrl));
  } else {
    await context.transfers.run(() => transferBlob(ends, blob, context));
  }
  report("uploaded");
  return destinationRepository;
}

/**
 * Like Promise.all, but fails only once every operation has finished: when one blob fails,
 * its siblings' transfers must not outlive the image's copy (and the run, which closes the
 * transport under them, leaving their upload sessions open at the destination).
 */
async function allSettledOrThrow(work: Promise<void>[]): Promise<void> {
  const failed = (await Promise.allSettled(work)).find((outcome) => outcome.status === "rejected");
  if (failed) throw failed.reason;
}

function sameRegistry(a: RegistryClient, b: RegistryClient): boolean {
  return a === b;
}
