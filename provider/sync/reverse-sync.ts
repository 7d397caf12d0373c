import { ConfigError } from "../validation";
import { ReverseOptions, reverseSyncJob } from "./reverse-job";
import { SyncReport, runSync } from "./run-sync";
import { SyncJob, SyncOptions } from "./sync-job";

/**
 * `registry-dr sync --reverse`: the job's copies run from destination back to source (see
 * reverse-job.ts), so the primary gets what was pushed to the standby while it served. A tag
 * both sides hold as different images is a conflict: reported as a failed image with
 * `conflict: true`, and left as it is on both sides. Forcing or repairing would overwrite
 * the source's tags, so neither is taken.
 */
export async function runReverseSync(job: SyncJob, options: SyncOptions & ReverseOptions = {}): Promise<SyncReport> {
  const overwriting = (["force", "repair"] as const).filter((name) => options[name]);
  if (overwriting.length > 0)
    throw new ConfigError(
      overwriting.map((name) => ({
        path: [name],
        message: `a reverse sync never overwrites a tag the source holds, so it takes no ${name}: resolve a conflicting tag by hand, then run again`,
      })),
    );
  const { from: _from, ...syncOptions } = options;
  return runSync(reverseSyncJob(job, options), { ...syncOptions, copyBack: true });
}
