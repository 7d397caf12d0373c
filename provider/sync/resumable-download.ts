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

export function resumableDownload(source: RegistryClient, repository: string, blob: Descriptor, first: BlobStream, onResume: (event: ResumeEvent) => void = () => {}): BlobStream {
  return { body: Readable.from(chunksFrom(source, repository, blob, first, onResume), { objectMode: false }), size: first.size };
}

async function* chunksFrom(source: RegistryClient, repository: string, blob: Descriptor, first: BlobStream, onResume: (event: ResumeEvent) => void): AsyncGenerator<Buffer> {
  let offset = 0;
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
