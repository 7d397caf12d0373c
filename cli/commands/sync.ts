import { authRedactor, formatBytes, formatDuration, formatRate, runReverseSync, runSync, syncOptionsOf } from "../../provider/sync";
import { parseReference } from "../../provider/clients/oci/reference";
import { CommandArguments } from "../arguments";
import { withCertDir } from "../cert-dir";
import { loadSyncJob } from "../config-files";
import { writeImagesFile } from "../images-files";
import { checkOutputFiles } from "../output-files";
import { ProgressReporter } from "../progress";

/** The summary lists this many failures; the log and the failed-images file have them all. */
const FAILURES_SHOWN = 50;

export async function syncCommand(args: CommandArguments, signal: AbortSignal): Promise<number> {
  const job = loadSyncJob(args);
  checkOutputFiles(args);
  // One redactor for everything the run writes: stderr, the log, the images files.
  const redact = authRedactor(job.auth);
  const reporter = new ProgressReporter({ stream: process.stderr, logFile: args.log, redact });
  let report;
  try {
    const options = withCertDir(syncOptionsOf(args.settings, { surface: "command", signal, onEvent: reporter.onEvent }), args.certDir);
    report = await (args.reverse ? runReverseSync(job, { ...options, from: args.reverse.from }) : runSync(job, options));
  } finally {
    reporter.stop();
  }
  const { synced, skipped, failed } = report.counts;
  const uploaded = report.stats.bytesUploaded;
  reporter.say(
    `done in ${formatDuration(report.durationMs)}: ${synced} synced, ${skipped} up to date, ${failed} failed; ` +
      `${formatBytes(uploaded)} uploaded (${formatRate(uploaded, report.durationMs)}), ${report.stats.requests} requests`,
  );
  const failures = report.results.filter((result) => result.status === "failed");
  if (args.successImages) {
    // Up-to-date images count as successes too: the destination holds them, and a re-run writes the same file.
    writeImagesFile(
      args.successImages,
      report.results.filter((result) => result.status !== "failed"),
      args.imagesFormat,
      redact,
    );
    reporter.say(`successful images written to ${args.successImages}`);
  }
  if (failures.length > 0) {
    for (const failure of failures.slice(0, FAILURES_SHOWN)) reporter.say(`failed  ${failure.source} -> ${failure.destination}: ${failure.error}`);
    if (failures.length > FAILURES_SHOWN) reporter.say(`… and ${failures.length - FAILURES_SHOWN} more failed image(s)`);
    const conflicts = failures.filter((failure) => failure.conflict);
    // A conflict retried as a plain sync would overwrite the source's tag: it stays out of the retry file.
    if (conflicts.length > 0)
      reporter.say(`${conflicts.length} conflicting tag(s) kept on both sides and left out of ${args.failedImages}: settle each by hand`);
    // A tag the source listed that is no tag at all cannot be asked for again by name; in the
    // file it would make the whole retry refuse to start.
    const retryable = failures.filter((failure) => !failure.conflict && isReference(failure.source));
    if (retryable.length < failures.length)
      reporter.say(`${failures.length - retryable.length} failed image(s) left out of ${args.failedImages}: the source listed a tag that is not a valid tag`);
    if (retryable.length > 0) {
      writeImagesFile(args.failedImages, retryable, "json", redact);
      reporter.say(`failed images written to ${args.failedImages}; retry them with --images ${args.failedImages} and the same --auth`);
    }
  }
  return failures.length > 0 ? 1 : 0;
}

function isReference(text: string): boolean {
  try {
    parseReference(text);
    return true;
  } catch {
    return false;
  }
}
