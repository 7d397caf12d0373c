import { AbortedError, Descriptor, RegistryClient, RegistryError } from "../clients/oci";
import { chunkStreams } from "./chunk-streams";

/**
 * A chunked upload that survives its connection breaking. When a chunk or the closing PUT
 * fails in a way that may have moved the session (the connection broke, a 5xx, a 416 for the
 * next chunk's offset, a 404 for the session), the session is asked where it stands (`GET`
 * on it, the OCI distribution spec's upload status). A registry that keeps partial bytes (zot,
 * Artifact Registry's resumable path) answers `Range: 0-<last>`, and the upload continues from
 * the next byte, read afresh from the source there. One that cannot (distribution cancels a
 * session a broken request wrote to) answers 404, and the blob is sent again in a new session:
 * an UploadRestartError, which the transfer retries.
 *
 * The registry checks the digest at the closing PUT, so no resume can store a wrong blob; a
 * digest refused after a resume means the registry's offsets cannot be trusted, and the blob
 * is sent again whole, without resuming.
 */

/** Resumes of one upload session before it is given up and the blob sent again. */
const MAX_RESUMES = 5;

/** The upload session broke and cannot be continued: send the blob again in a new one. */
export class UploadRestartError extends RegistryError {
  override name = "UploadRestartError";
}

/** Shared by the attempts of one blob transfer: offsets a registry got wrong once are not asked again. */
export interface ResumePolicy {
  trustOffsets: boolean;
}

export interface ResumeEvent {
  held: number;
  resumes: number;
}

export interface ResumableUpload {
  destination: RegistryClient;
  repository: string;
  blob: Descriptor;
  /** Kept current (registries hand out a new URL per request), so the caller can close the session. */
  session: URL;
  chunkSize: number;
  resume: ResumePolicy;
  /** The blob from byte `offset` on, for a resume. */
  readFrom(offset: number): Promise<AsyncIterable<Buffer>>;
  onResume?(event: ResumeEvent): void;
}

export async function uploadResumably(upload: ResumableUpload, body: AsyncIterable<Buffer>): Promise<void> {
  const { destination, repository, blob } = upload;
  let offset = 0;
  // The bytes offered to the session so far: one claiming more is not telling the truth.
  let offered = 0;
  let resumedAt: number | undefined;
  for (let resumes = 0; ; ) {
    let uploading = false;
    try {
      for (const chunk of chunkStreams(body, offset, blob.size, upload.chunkSize)) {
        offered = Math.max(offered, chunk.offset + chunk.length);
        uploading = true;
        upload.session = await destination.putBlobChunk(repository, upload.session, blob.digest, chunk.offset, chunk.stream, chunk.length);
        uploading = false;
        offset = chunk.offset + chunk.length;
      }
      uploading = true;
      await destination.completeUpload(repository, upload.session, blob.digest);
      return;
    } catch (error) {
      // A read that broke is the download's to report; only the upload's failures are resumed.
      if (!uploading) throw error;
      if (resumedAt !== undefined && isDigestRefusal(error)) throw distrust(upload, resumedAt, error);
      if (!mayHaveMovedSession(error)) throw error;
      const held = await heldBytes(upload, offered, resumes, error);
      resumes++;
      offset = resumedAt = held;
      upload.onResume?.({ held, resumes });
      // A session holding every byte only lacks its closing PUT: nothing to read again.
      body = held < blob.size ? await upload.readFrom(held) : noBytes();
    }
  }
}

async function* noBytes(): AsyncGenerator<Buffer> {}

/** Where the session stands, or an UploadRestartError saying why it cannot be continued. */
async function heldBytes(upload: ResumableUpload, offered: number, resumes: number, error: unknown): Promise<number> {
  if (!upload.resume.trustOffsets) throw restart(upload, error, "this registry's offsets were found wrong before");
  if (resumes >= MAX_RESUMES) throw restart(upload, error, `it broke ${MAX_RESUMES} times already`);
  let status;
  try {
    status = await upload.destination.uploadStatus(upload.repository, upload.session, upload.blob.size);
  } catch (statusError) {
    throw restart(upload, error, `asking the session where it stands failed: ${(statusError as Error).message}`);
  }
  if (!status) throw restart(upload, error, "the registry no longer knows the session");
  if (status.held > offered) {
    upload.resume.trustOffsets = false;
    throw restart(upload, error, `the registry says it holds ${status.held} bytes, but only ${offered} were sent`);
  }
  upload.session = status.uploadUrl;
  return status.held;
}

function restart(upload: ResumableUpload, error: unknown, why: string): UploadRestartError {
  const host = upload.destination.host;
  const said = (error as Error)?.message ?? String(error);
  return new UploadRestartError(
    `${host}: the upload of blob ${upload.blob.digest} to ${upload.repository} broke off (${said}) and cannot be continued: ${why}`,
    { host, retryable: true },
    { cause: error },
  );
}

function distrust(upload: ResumableUpload, resumedAt: number, error: unknown): UploadRestartError {
  upload.resume.trustOffsets = false;
  const host = upload.destination.host;
  return new UploadRestartError(
    `${host}: blob ${upload.blob.digest} was refused by ${upload.repository} after resuming at byte ${resumedAt}, where the registry said its upload stood (${(error as Error).message}): its upload offsets cannot be trusted, the blob is sent again whole`,
    { host, retryable: true },
    { cause: error },
  );
}

/** The registry computed another digest than the blob's: its bytes are not the blob's bytes. */
function isDigestRefusal(error: unknown): boolean {
  return error instanceof RegistryError && error.code === "DIGEST_INVALID";
}

/** Failures after which the session may hold other bytes than were confirmed: worth asking. */
function mayHaveMovedSession(error: unknown): boolean {
  if (error instanceof AbortedError) return false;
  if (error instanceof RegistryError) return error.retryable || error.status === 404 || error.status === 416;
  // Errors raised inside streams (a socket reset mid-body) arrive as plain errors.
  return true;
}
