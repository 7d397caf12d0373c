import { randomBytes } from "node:crypto";
import { accessSync, closeSync, constants, fchmodSync, fchownSync, fsyncSync, openSync, realpathSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { UsageError } from "../arguments";

export interface Replacement {
  /** The name the user knows the file by (for messages). */
  file: string;
  text: string;
}

/**
 * Replaces the contents of several files, all or none as far as a file system allows. Every
 * file and its directory are checked writable first; each new content is then written in full
 * to a temporary file beside its file (same directory, so the same file system) and flushed;
 * only when all are written are they renamed over the originals. A write that fails (disk full,
 * a file size limit) or a kill leaves every original as it was, never one cut mid-line.
 */
export function replaceFiles(replacements: readonly Replacement[]): void {
  const targets = replacements.map(({ file, text }) => ({ file, text, path: replaceablePath(file) }));
  const staged: string[] = [];
  try {
    for (const target of targets) staged.push(stage(target.file, target.path, target.text));
  } catch (error) {
    for (const temporary of staged) rmSync(temporary, { force: true });
    throw error;
  }
  targets.forEach((target, index) => {
    try {
      renameSync(staged[index], target.path);
    } catch (error) {
      for (const temporary of staged.slice(index)) rmSync(temporary, { force: true });
      const written = targets.slice(0, index).map((done) => done.file);
      throw new UsageError(
        `${target.file}: cannot replace it (${codeOf(error)}); ${written.length === 0 ? "no file was changed" : `already rewritten: ${written.join(", ")}`}`,
      );
    }
  });
}

/** The file's real path (a symlink is kept, its target rewritten), once it is known writable. */
function replaceablePath(file: string): string {
  let path: string;
  try {
    path = realpathSync(file);
    if (!statSync(path).isFile()) throw new UsageError(`${file}: not a regular file; nothing was written`);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${file}: cannot read it (${codeOf(error)}); nothing was written`);
  }
  try {
    accessSync(path, constants.W_OK);
  } catch (error) {
    throw new UsageError(`${file}: the file cannot be written (${codeOf(error)}): make it writable or leave it out; nothing was written`);
  }
  try {
    accessSync(dirname(path), constants.W_OK);
  } catch (error) {
    throw new UsageError(
      `${file}: its directory ${dirname(path)} cannot be written (${codeOf(error)}), and the new content is written beside the file and renamed over it; nothing was written`,
    );
  }
  return path;
}

/** Writes the new content to a temporary file beside the original, with its mode and owner. */
function stage(file: string, path: string, text: string): string {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.registry-dr.tmp`);
  const original = statSync(path);
  let fd: number | undefined;
  try {
    fd = openSync(temporary, "wx", 0o600);
    fchmodSync(fd, original.mode & 0o7777);
    // Root rewriting another user's file must not leave it owned by root; others cannot chown, and need not.
    if (process.getuid?.() === 0) fchownSync(fd, original.uid, original.gid);
    const bytes = Buffer.from(text, "utf8");
    for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    fsyncSync(fd);
    const written = fd;
    fd = undefined;
    closeSync(written);
    return temporary;
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    rmSync(temporary, { force: true });
    throw new UsageError(`${file}: cannot write its new content (${codeOf(error)}); no file was changed`);
  }
}

function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}
