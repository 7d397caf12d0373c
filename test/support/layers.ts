import { createHash, Hash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rename } from "node:fs/promises";
import { join } from "node:path";
import { Readable, Transform, TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { constants as zlib, createGzip, gzipSync } from "node:zlib";
import { deterministicBytes, deterministicStream } from "./deterministic-bytes";
import { TAR_END, tarHeader, tarPadding } from "./ustar";

/** A blob's bytes, in memory for small fixtures or in a file for large ones. */
export type BlobContent = { bytes: Buffer } | { path: string };

export interface StoredBlob {
  digest: string;
  size: number;
  content: BlobContent;
}

export interface Layer extends StoredBlob {
  /** sha256 of the uncompressed tar: what the image config lists in rootfs.diff_ids. */
  diffId: string;
}

export interface LayerSpec {
  /** Size of the one file in the layer, in bytes. */
  size: number;
  /** Content seed: the same seed and size always give the same layer and digest. */
  seed: string;
  /** Path of the file inside the archive; derived from the seed by default. */
  fileName?: string;
}

export const sha256 = (data: Buffer | string): string => `sha256:${createHash("sha256").update(data).digest("hex")}`;

// gzip output depends on the level, so it is fixed; level 1 because random content does
// not compress anyway and a higher level only costs time.
const GZIP_LEVEL = 1;

const memoryLayers = new Map<string, Layer>();

const fileNameOf = (spec: LayerSpec) => spec.fileName ?? `data/${spec.seed.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 80)}.bin`;

/** A gzip-compressed one-file tar layer, built in memory and cached by spec. */
export function buildLayer(spec: LayerSpec): Layer {
  const key = JSON.stringify([spec.seed, spec.size, fileNameOf(spec)]);
  const cached = memoryLayers.get(key);
  if (cached) return cached;
  const tar = Buffer.concat([tarHeader({ name: fileNameOf(spec), size: spec.size }), deterministicBytes(spec.seed, spec.size), tarPadding(spec.size), TAR_END]);
  const gz = gzipSync(tar, { level: GZIP_LEVEL });
  const layer: Layer = { digest: sha256(gz), size: gz.length, diffId: sha256(tar), content: { bytes: gz } };
  memoryLayers.set(key, layer);
  return layer;
}

/**
 * The same layer as buildLayer(spec), streamed to a file in `dir` and never held in memory:
 * for layers of a gigabyte. The file ends up named by its digest's hex.
 *
 * Large layers use gzip level 0 (stored deflate blocks): still a valid gzip that any client
 * decompresses and verifies, at disk speed rather than deflate speed, and random content
 * would not have compressed anyway. Its digest therefore differs from buildLayer's for
 * the same spec.
 */
export async function writeLayerFile(spec: LayerSpec, dir: string, level: number = zlib.Z_NO_COMPRESSION): Promise<Layer> {
  const diffIdHash = createHash("sha256");
  const digestHash = createHash("sha256");
  const counter = { bytes: 0 };
  const partial = join(dir, `layer-${randomBytes(8).toString("hex")}.partial`);
  const tar = Readable.from(tarParts(spec));
  await pipeline(tar, tap(diffIdHash), createGzip({ level }), tap(digestHash, counter), createWriteStream(partial));
  const digest = `sha256:${digestHash.digest("hex")}`;
  const path = join(dir, digest.slice("sha256:".length));
  await rename(partial, path);
  return { digest, size: counter.bytes, diffId: `sha256:${diffIdHash.digest("hex")}`, content: { path } };
}

async function* tarParts(spec: LayerSpec): AsyncGenerator<Buffer> {
  yield tarHeader({ name: fileNameOf(spec), size: spec.size });
  for await (const chunk of deterministicStream(spec.seed, spec.size)) yield chunk as Buffer;
  yield tarPadding(spec.size);
  yield TAR_END;
}

/** A pass-through that hashes (and counts) what flows by. */
function tap(hash: Hash, counter?: { bytes: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      hash.update(chunk);
      if (counter) counter.bytes += chunk.length;
      callback(null, chunk);
    },
  });
}
