import { createHash } from "node:crypto";

/**
 * `--shard i/N`: N processes, on N machines if need be, each copy a disjoint part of one
 * job and together the whole of it. The part is chosen by source repository (all tags of a
 * repository stay together, so blobs they share are placed once and mounted), with a hash
 * every process computes alike: no coordination, the same split on every run. Shards are
 * numbered from 0, as Kubernetes numbers the completions of an Indexed Job.
 */

export interface Shard {
  index: number;
  count: number;
}

const SHARD_PATTERN = /^(\d{1,4})\/(\d{1,4})$/;

/** Parses `i/N`; the error says what is expected. */
export function parseShard(text: string): Shard {
  const match = SHARD_PATTERN.exec(text.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index >= count)
    throw new ShardError(`invalid shard "${text}": expected i/N with N at least 1 and i from 0 to N-1 (0/3, 1/3, 2/3)`);
  return { index, count };
}

export class ShardError extends Error {
  override name = "ShardError";
}

/** Whether this shard copies the images of `registry/repository`. */
export function inShard(shard: Shard | undefined, registry: string, repository: string): boolean {
  if (!shard || shard.count === 1) return true;
  const hash = createHash("sha256").update(`${registry}/${repository}`).digest();
  return hash.readUInt32BE(0) % shard.count === shard.index;
}
