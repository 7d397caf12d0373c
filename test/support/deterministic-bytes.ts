import { createCipheriv, createHash } from "node:crypto";
import { Readable } from "node:stream";

/**
 * Reproducible pseudo-random bytes from a seed string, so fixtures (and their digests) are
 * the same on every run and machine. The stream is AES-128-CTR's keystream (the key is
 * the SHA-256 of the seed): the same construction as a SHA-256 counter stream, but fast
 * enough to make a 1 GiB layer in seconds. Random bytes do not compress, which keeps
 * compressed and uncompressed sizes apart and close, like real binary layers.
 */

const CHUNK = 1024 * 1024;

function keystream(seed: string) {
  const key = createHash("sha256").update(`registry-dr fixture bytes:${seed}`).digest().subarray(0, 16);
  return createCipheriv("aes-128-ctr", key, Buffer.alloc(16));
}

export function deterministicBytes(seed: string, size: number): Buffer {
  return keystream(seed).update(Buffer.alloc(size));
}

/** The same bytes as deterministicBytes(seed, size), a chunk at a time. */
export function deterministicStream(seed: string, size: number): Readable {
  const cipher = keystream(seed);
  const zeros = Buffer.alloc(CHUNK);
  let remaining = size;
  return new Readable({
    highWaterMark: CHUNK,
    read() {
      if (remaining === 0) {
        this.push(null);
        return;
      }
      const length = Math.min(CHUNK, remaining);
      remaining -= length;
      this.push(cipher.update(length === CHUNK ? zeros : zeros.subarray(0, length)));
    },
  });
}
