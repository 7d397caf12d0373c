import { accessSync, constants, realpathSync, statSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { CommandArguments, UsageError } from "./arguments";

/**
 * Checks the files a run writes (`--log`, `--failed-images`, `--output-success-images`, `--metrics-file`) before it starts: one that is
 * also an input would be overwritten with a report, losing the credentials in it, and one
 * that cannot be written would fail the run after everything was pushed.
 */
export function checkOutputFiles(args: CommandArguments, writesFailedImages = true): void {
  const inputs = [
    ["--config", args.config],
    ["--auth", args.auth],
    ["--images", args.images],
  ].filter((input): input is [string, string] => input[1] !== undefined);
  const imageLists = writesFailedImages
    ? [
        ["--failed-images", args.failedImages],
        ["--output-success-images", args.successImages],
      ]
    : [];
  const outputs = [["--log", args.log], ["--metrics-file", args.metricsFile], ...imageLists].filter(
    (output): output is [string, string] => output[1] !== undefined,
  );
  const seen = new Map(inputs.map(([flag, file]) => [identityOf(file), flag]));
  for (const [flag, file] of outputs) {
    const target = identityOf(file);
    const clash = seen.get(target);
    if (clash) throw new UsageError(`${flag} ${file} is the ${clash} file: the run would overwrite it; write to another file`);
    assertWritable(flag, file);
    seen.set(target, flag);
  }
}

/**
 * What makes two names one file: an existing file's device and inode (a hard link has its own
 * path but the same inode; a symlink is followed), or, for a file not yet there, its real path
 * (so "./x" and "x" given to two outputs are still one file).
 */
function identityOf(file: string): string {
  try {
    const { dev, ino } = statSync(file);
    return `inode ${dev}:${ino}`;
  } catch {
    return `path ${whereIs(file)}`;
  }
}

function whereIs(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    try {
      return resolve(realpathSync(dirname(file)), basename(file));
    } catch {
      return resolve(file);
    }
  }
}

function assertWritable(flag: string, file: string): void {
  let existing;
  try {
    existing = statSync(file);
  } catch {
    existing = undefined;
  }
  if (existing?.isDirectory()) throw new UsageError(`${flag} ${file} is a directory: expected a file path`);
  const checked = existing ? file : dirname(resolve(file));
  try {
    accessSync(checked, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "not writable";
    // The failed-images file has a default in the working directory, which cron may run in read-only.
    const hint = flag === "--failed-images" ? "; give --failed-images PATH somewhere writable" : "";
    throw new UsageError(`${flag} ${file}: ${existing ? "cannot write the file" : `cannot create the file in ${checked}`} (${code})${hint}`);
  }
}
