import { readFileSync, statSync } from "node:fs";
import { UsageError } from "../arguments";

/**
 * A manifest's text, refused unless it is UTF-8. Decoding other bytes (a Latin-1 "é") would
 * turn them into U+FFFD and write that back; YAML is UTF-8 anyway. A byte-order mark is kept.
 */
/**
 * Kubernetes keeps an object under 1.5 MiB; a rendered chart with its CRDs runs to a few MiB.
 * The YAML document API takes about fifty times a file's size in memory.
 */
export const LARGEST_MANIFEST = 16 * 1024 * 1024;

export function readManifest(file: string): string {
  let bytes: Buffer;
  try {
    const size = statSync(file).size;
    if (size > LARGEST_MANIFEST)
      throw new UsageError(
        `${file}: ${size} bytes, larger than the ${LARGEST_MANIFEST / 1024 / 1024} MiB a manifest or values file may be; split it; nothing was written`,
      );
    bytes = readFileSync(file);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    const offset = firstInvalidByte(bytes);
    const line = bytes.subarray(0, offset).toString("latin1").split("\n").length;
    throw new UsageError(
      `${file}: not UTF-8: byte 0x${bytes[offset].toString(16).padStart(2, "0")} at offset ${offset} (line ${line}); convert the file to UTF-8 first; nothing was written`,
    );
  }
}

/** Where the first byte that starts no valid UTF-8 sequence is (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF). */
function firstInvalidByte(bytes: Uint8Array): number {
  let offset = 0;
  while (offset < bytes.length) {
    const lead = bytes[offset];
    const length = lead < 0x80 ? 1 : lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
    if (length === 0 || offset + length > bytes.length) return offset;
    const [low, high] =
      lead === 0xe0 ? [0xa0, 0xbf] : lead === 0xed ? [0x80, 0x9f] : lead === 0xf0 ? [0x90, 0xbf] : lead === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
    if (length > 1 && (bytes[offset + 1] < low || bytes[offset + 1] > high)) return offset;
    for (let next = 2; next < length; next++) if (bytes[offset + next] < 0x80 || bytes[offset + next] > 0xbf) return offset;
    offset += length;
  }
  return offset;
}
