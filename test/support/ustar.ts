/**
 * The few bytes of the POSIX ustar format a one-file layer needs. Written by hand so the
 * layer bytes depend on nothing but this file (no tar library version, no mtimes, no
 * user names of the machine that built them).
 */

export const TAR_BLOCK = 512;

/** Two zero blocks end an archive. */
export const TAR_END = Buffer.alloc(2 * TAR_BLOCK);

export interface TarEntry {
  /** Path inside the archive, at most 100 bytes (no prefix field use). */
  name: string;
  size: number;
  mode?: number;
  /** Seconds since the epoch; fixed by default for reproducible layers. */
  mtime?: number;
}

/** The 512-byte header of a regular file. */
export function tarHeader(entry: TarEntry): Buffer {
  const name = Buffer.from(entry.name, "utf8");
  if (name.length > 100) throw new Error(`tar entry name longer than 100 bytes: ${entry.name}`);
  // The size field holds 11 octal digits: just under 8 GiB.
  if (entry.size >= 8 ** 11) throw new Error(`tar entry too large for ustar: ${entry.size}`);
  const header = Buffer.alloc(TAR_BLOCK);
  name.copy(header, 0);
  octal(header, 100, 8, entry.mode ?? 0o644);
  octal(header, 108, 8, 0); // uid
  octal(header, 116, 8, 0); // gid
  octal(header, 124, 12, entry.size);
  octal(header, 136, 12, entry.mtime ?? 0);
  header.write("0", 156, "ascii"); // typeflag: regular file
  header.write("ustar\u000000", 257, "ascii"); // magic "ustar\0" + version "00"
  header.write("root", 265, "ascii"); // uname
  header.write("root", 297, "ascii"); // gname
  // The checksum is computed with its own field read as spaces.
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, "0")}\u0000 `, 148, "ascii");
  return header;
}

/** Zeros that bring a file's data up to a whole block. */
export function tarPadding(size: number): Buffer {
  return Buffer.alloc((TAR_BLOCK - (size % TAR_BLOCK)) % TAR_BLOCK);
}

function octal(header: Buffer, offset: number, length: number, value: number): void {
  header.write(`${value.toString(8).padStart(length - 1, "0")}\u0000`, offset, "ascii");
}
