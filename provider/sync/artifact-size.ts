import { Descriptor, RegistryError } from "../clients/oci";
import { formatBytes } from "./format";

/**
 * Signatures, attestations and SBOMs travel with every image by default, and what a registry
 * lists as one is untrusted: a cosign `.sig` manifest naming a 50 GB "layer" would otherwise be
 * streamed into the destination. A cosign signature is a few KB, an in-toto attestation rarely a
 * few MB, the SPDX or CycloneDX SBOM of the largest images tens of MB, a SOCI index a few
 * percent of its image; 512 MiB is far above all of them and far below the harm.
 */
export const MAX_ARTIFACT_BYTES = 512 * 1024 * 1024;

/** An artifact copied with an image names more bytes of blobs than MAX_ARTIFACT_BYTES; never retried. */
export class ArtifactTooLargeError extends RegistryError {
  override name = "ArtifactTooLargeError";
}

/**
 * Refuses an artifact manifest whose blobs add up to more than `limit`, before any is read or
 * uploaded. An artifact that is an index has each of its manifests checked on its own.
 */
export function checkArtifactSize(blobs: Descriptor[], limit: number, origin: string, host: string): void {
  const total = blobs.reduce((sum, blob) => sum + blob.size, 0);
  if (total <= limit) return;
  throw new ArtifactTooLargeError(
    `${origin}: this signature, attestation or SBOM names ${total} bytes of blobs (${formatBytes(total)}), ` +
      `over the ${formatBytes(limit)} such an artifact may hold: not copied`,
    { host, retryable: false },
  );
}
