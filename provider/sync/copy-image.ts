import { AuthError, Descriptor, FetchedManifest, RegistryClient, RegistryError, parseManifest, referencedBlobs } from "../clients/oci";
import { checkArtifactSize } from "./artifact-size";
import { BlobLedger } from "./blob-ledger";
import { Semaphore, mapConcurrent } from "./concurrency";
import { SyncEventListener } from "./events";
import { TransferEnds, transferBlob } from "./blob-transfer";
import { RetryBudget } from "./retry-budget";

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
  /** The run's count of blob transfer attempts, so a retry round does not start it afresh (retry-budget.ts). */
  budget?: RetryBudget;
  /**
   * Set while copying what travels with an image (copy-referrers.ts): the most bytes of blobs one
   * of its manifests may name (artifact-size.ts).
   */
  artifactLimit?: number;
  /** The run's deadline or interrupt: no child manifest or blob starts once it is aborted. */
  signal?: AbortSignal;
  emit: SyncEventListener;
}

/**
 * Child manifests of an index copied at once. Few, one after another in small groups: after the
 * first child that fails no other starts (an index of 100,000 missing children would otherwise
 * cost 100,000 requests), and the signal is looked at between children.
 */
const CHILDREN_AT_ONCE = 4;
/**
 * Blobs of one manifest checked and placed at once (their bytes are bounded by `transfers`). As
 * with children, those already started finish before the copy fails: no transfer outlives the
 * image's copy (and the run, which closes the transport under it, leaving an upload session open).
 */
const BLOBS_AT_ONCE = 32;

/** `origin` names the source manifest in errors: `host/repo:tag` or `host/repo@digest`. */
export async function copyManifestTree(
  ends: TransferEnds,
  manifest: FetchedManifest,
  reference: string,
  context: CopyContext,
  origin = `${ends.source.host}/${ends.sourceRepository}@${manifest.digest}`,
): Promise<void> {
  const parsed = parseManifest(manifest.bytes, manifest.mediaType, ends.source.host, origin);
  if (parsed.kind === "index") {
    await mapConcurrent(parsed.manifests, CHILDREN_AT_ONCE, (child) => copyChildManifest(ends, child, context), context.signal);
  } else {
    const blobs = referencedBlobs(parsed);
    if (context.artifactLimit !== undefined) checkArtifactSize(blobs, context.artifactLimit, origin, ends.source.host);
    await mapConcurrent(blobs, BLOBS_AT_ONCE, (blob) => ensureBlob(ends, blob, context), context.signal);
  }
  await ends.destination.putManifest(ends.destinationRepository, reference, { ...manifest, mediaType: parsed.mediaType });
}

function copyChildManifest(ends: TransferEnds, child: Descriptor, context: CopyContext): Promise<void> {
  const { destination, destinationRepository } = ends;
  return context.ledger.once("manifest", destination.host, destinationRepository, child.digest, async () => {
    if (!context.force && (await isPresent(destination, destinationRepository, child.digest, context))) return;
    const fetched = await ends.source.getManifest(ends.sourceRepository, child.digest);
    await copyManifestTree(ends, { ...fetched, mediaType: fetched.mediaType || child.mediaType }, child.digest, context);
  });
}

/** A repository that was empty before the run holds only what the run put there, which the ledger knows. */
async function isPresent(destination: RegistryClient, repository: string, digest: string, context: CopyContext): Promise<boolean> {
  if (await context.ledger.destinations.wasEmpty(destination, repository)) return false;
  return (await destination.headManifest(repository, digest))?.digest === digest;
}

/** Makes a blob present in the destination repository by the cheapest way the run knows. */
function ensureBlob(ends: TransferEnds, blob: Descriptor, context: CopyContext): Promise<void> {
  const { destination, destinationRepository } = ends;
  return context.ledger.once("blob", destination.host, destinationRepository, blob.digest, async () => {
    const holder = await context.ledger.place(destination.host, blob.digest, () => placeBlob(ends, blob, context));
    if (holder === destinationRepository) return;
    const report = (outcome: "uploaded" | "mounted" | "present") =>
      context.emit({ type: "blob", digest: blob.digest, size: blob.size, outcome, destination: destinationRepository });
    const mount = await tryMount(ends, blob, holder, context);
    if (mount === "mounted") return report("mounted");
    // No mount, though the host holds the blob: it ignores mounts (or cannot mount between these
    // repositories), so its answer says nothing of this repository, which may hold the blob already.
    if (!(await context.ledger.destinations.wasEmpty(destination, destinationRepository)) && (await destination.hasBlob(destinationRepository, blob.digest))) {
      if (mount) await abandon(destination, destinationRepository, mount);
      return report("present");
    }
    await context.transfers.run(() => transferBlob(ends, blob, context, mount));
    report("uploaded");
  });
}

/** Best effort: a session left open is purged by the registry in time; failing the blob for it would be wrong. */
async function abandon(destination: RegistryClient, repository: string, session: URL): Promise<void> {
  try {
    await destination.cancelUpload(repository, session);
  } catch {
    // Nothing to do: the blob is there, which is what the copy needed.
  }
}

/**
 * First placement of a digest on the destination host; resolves to the repository holding it.
 *
 * A new blob costs a GET at the source and a POST and a PUT at the destination; asking first
 * whether the destination has it costs one more request per blob. A mount request can ask
 * that question and open the upload session in one: a registry that mounts answers 201 when
 * the repository named in `from` holds the blob, and 202 with a session otherwise. But the
 * spec lets a registry ignore mounts and answer 202 whatever it holds, and there a present
 * blob would be uploaded again. So the mount stands in for the HEAD only where that cannot
 * cost bytes: in a repository that was empty before the run (nothing there to re-upload), or
 * on a host that has answered a mount with 201 in this run (it mounts). Everywhere else, as on
 * `--force` and `--repair` runs into repositories with content, the HEAD comes first.
 */
async function placeBlob(ends: TransferEnds, blob: Descriptor, context: CopyContext): Promise<string> {
  const { source, sourceRepository, destination, destinationRepository } = ends;
  const report = (outcome: "uploaded" | "mounted" | "present") =>
    context.emit({ type: "blob", digest: blob.digest, size: blob.size, outcome, destination: destinationRepository });
  const upload = async (session?: URL) => {
    await context.transfers.run(() => transferBlob(ends, blob, context, session));
    report("uploaded");
    return destinationRepository;
  };
  const sameRegistry = source === destination;
  if (await mountAnswersPresence(ends, context)) {
    // Within one registry the source repository holds the blob; elsewhere only the destination's own repository may.
    const probe = await tryMount(ends, blob, sameRegistry ? sourceRepository : destinationRepository, context);
    if (probe === "mounted") {
      report(sameRegistry ? "mounted" : "present");
      return destinationRepository;
    }
    if (probe) return upload(probe);
    // The host refused the mount itself: ask the plain way below.
  }
  if (await destination.hasBlob(destinationRepository, blob.digest)) {
    report("present");
    return destinationRepository;
  }
  const mount = sameRegistry ? await tryMount(ends, blob, sourceRepository, context) : undefined;
  if (mount === "mounted") {
    report("mounted");
    return destinationRepository;
  }
  return upload(mount);
}

async function mountAnswersPresence(ends: TransferEnds, context: CopyContext): Promise<boolean> {
  const host = ends.destination.host;
  if (context.ledger.refusesMounts(host)) return false;
  return context.ledger.mounts(host) || (await context.ledger.destinations.wasEmpty(ends.destination, ends.destinationRepository));
}

/**
 * `POST .../blobs/uploads/?mount=<digest>&from=<from>`: "mounted" on 201, else the upload
 * session the registry opened instead (202). Undefined where the host answers the mount
 * parameters with an error (the spec says it should open a session): the caller goes the plain
 * way, and the host is sent no more mounts this run.
 */
async function tryMount(ends: TransferEnds, blob: Descriptor, from: string, context: CopyContext): Promise<"mounted" | URL | undefined> {
  const { destination, destinationRepository } = ends;
  if (context.ledger.refusesMounts(destination.host)) return undefined;
  try {
    const answer = await destination.startUpload(destinationRepository, { digest: blob.digest, from });
    if (!answer.mounted) return answer.uploadUrl;
    context.ledger.learnMount(destination.host, "mounted");
    return "mounted";
  } catch (error) {
    if (!refusesMountParameters(error)) throw error;
    context.ledger.learnMount(destination.host, "refused");
    return undefined;
  }
}

/** 400, 404, 405, 501 and the like; not credentials, throttling or server trouble, which a plain upload would meet too. */
function refusesMountParameters(error: unknown): boolean {
  if (!(error instanceof RegistryError) || error instanceof AuthError || error.status === undefined) return false;
  return (error.status >= 400 && error.status < 500 && ![401, 403, 408, 429].includes(error.status)) || error.status === 501;
}
