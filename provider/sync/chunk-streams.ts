import { Readable } from "node:stream";

/**
 * A blob's bytes from `start` to `total`, as one stream per chunk of `size` bytes (the last
 * shorter), cut from the one body as each is read: a chunked upload holds no chunk in memory,
 * whatever the chunk size. Each stream must be read to its end before the next is taken. A body
 * that runs short ends its chunk early, and the PATCH carrying it fails on its Content-Length.
 */

export interface ChunkStream {
  offset: number;
  length: number;
  stream: Readable;
}

export function* chunkStreams(body: AsyncIterable<Buffer>, start: number, total: number, size: number): Generator<ChunkStream> {
  const source = body[Symbol.asyncIterator]();
  let leftover: Buffer | undefined;

  async function* take(length: number): AsyncGenerator<Buffer> {
    for (let wanted = length; wanted > 0; ) {
      let piece = leftover;
      leftover = undefined;
      if (!piece) {
        const next = await source.next();
        if (next.done) return;
        piece = next.value;
      }
      if (piece.length > wanted) {
        leftover = piece.subarray(wanted);
        piece = piece.subarray(0, wanted);
      }
      wanted -= piece.length;
      yield piece;
    }
  }

  for (let offset = start; offset < total; offset += size) {
    const length = Math.min(size, total - offset);
    yield { offset, length, stream: Readable.from(take(length), { objectMode: false }) };
  }
}
