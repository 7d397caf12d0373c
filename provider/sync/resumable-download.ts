import { Readable } from "node:stream";
import { AbortedError, BlobStream, Descriptor, RegistryClient } from "../clients/oci";

/**
 * A blob read that survives its connection breaking: the bytes already passed on stay passed
 * on, and the rest is asked for with `Range` from where it broke, so the upload reading this
 * stream never notices and no byte crosses the network twice. A registry that ignores ranges,
 * or a cancelled run, gets the original error, and the transfer starts over as before.
 */

/** Connection breaks one blob read may recover from before it gives up. */
const MAX_RESUMES = 5;

export interface ResumeEvent {
  offset: number;
  resumes: number;
}

/** `first` carries the blob from byte `start` on (a ranged read), or from its beginning. */
export function resumableDownload(
  source: RegistryClient,
  repository: string,
  blob: Descriptor,
  first: BlobStream,
  onResume: (event: ResumeEvent) => void = () => {},
  start = 0,
): BlobStream {
  return { body: Readable.from(chunksFrom(source, repository, blob, first, onResume, start), { objectMode: false }), size: first.size };
}

/**
 * The blob from byte `offset` on, for an upload that resumes there: a ranged read, or, from a
 * source that ignores ranges, a whole read whose first `offset` bytes are dropped (read twice,
 * but still sent once).
 */
export async function readBlobFrom(source: RegistryClient, repository: string, blob: Descriptor, offset: number): Promise<BlobStream> {
  const ranged = offset > 0 ? await source.getBlobFrom(repository, blob.digest, offset) : undefined;
  if (ranged) return resumableDownload(source, repository, blob, ranged, undefined, offset);
  const whole = resumableDownload(source, repository, blob, await source.getBlob(repository, blob.digest));
  return { body: Readable.from(skipBytes(whole.body, offset), { objectMode: false }), size: whole.size === undefined ? undefined : whole.size - offset };
}

async function* skipBytes(body: AsyncIterable<Buffer>, count: number): AsyncGenerator<Buffer> {
  let toSkip = count;
  for await (const chunk of body) {
    if (toSkip >= chunk.length) {
      toSkip -= chunk.length;
      continue;
    }
    yield toSkip > 0 ? chunk.subarray(toSkip) : chunk;
    toSkip = 0;
  }
}

async function* chunksFrom(
  source: RegistryClient,
  repository: string,
  blob: Descriptor,
  first: BlobStream,
  onResume: (event: ResumeEvent) => void,
  start: number,
): AsyncGenerator<Buffer> {
  let offset = start;
  let body = first.body;
  for (let resumes = 0; ; ) {
    try {
      for await (const chunk of body) {
        offset += chunk.length;
        yield chunk as Buffer;
      }
      return;
    } catch (error) {
      if (!canResume(error, offset, blob.size, resumes)) throw error;
      const rest = await source.getBlobFrom(repository, blob.digest, offset).catch(() => undefined);
      if (!rest) throw error;
      resumes++;
      onResume({ offset, resumes });
      body = rest.body;
    }
  }
}

function canResume(error: unknown, offset: number, size: number, resumes: number): boolean {
  if (resumes >= MAX_RESUMES || offset === 0 || offset >= size) return false;
  return !(error instanceof AbortedError) && (error as Error)?.name !== "AbortError";
}
