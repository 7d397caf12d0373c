import { canonicalHost } from "../clients/oci";
import { ReadinessRow, SyncJob, SyncOptions, compileJob, reverseSyncJob, runVerify } from "../sync";
import { ConfigError, ConfigIssue } from "../validation";
import type { FailoverPreflight, FailoverSite } from "./failover-preflight";
import { registryHostOf } from "./site-readiness";

/**
 * The preflight of a failback: before the name goes back to the primary, everything the site
 * that served holds in the protected repositories must be on the primary, with the same
 * digest. The protected repositories are the readiness images' (primary repository ->
 * repository at the serving site); every tag the serving site lists there counts, not only
 * the ones the readiness rules name: a CI run during the outage pushed through the same name.
 * A tag the primary lacks would be lost by the flip; a tag both hold as different images is
 * a conflict only the user can settle. Either refuses the flip unless it is forced.
 *
 * It is the reverse sync's own check: the reversed readiness job, verified shallowly (tag
 * digests, and the signatures that travel with them), so `registry-dr sync --reverse` copies
 * exactly what this reports as missing.
 */

export interface FailbackCheck {
  /** The registry that served, whose tags were compared. */
  from: string;
  /** Tags compared. */
  checked: number;
  /** Tags the primary holds as the serving site does. */
  present: number;
  /** On the serving site, not on the primary: "host/repo:tag". */
  missing: string[];
  /** On both, as different images. */
  conflicts: string[];
  /** One line per problem, as the preflight prints them. */
  problems: string[];
}

export async function checkFailback(serving: FailoverSite, readiness: SyncJob | undefined, options: SyncOptions = {}): Promise<FailbackCheck | undefined> {
  const from = registryHostOf(serving.registry);
  // As the forward preflight: readiness images elsewhere say nothing about this site.
  if (!readiness || !copiesTo(readiness, from)) return undefined;
  let reversed: SyncJob;
  try {
    reversed = reverseSyncJob(readiness, { from });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const problem = `the ${serving.name} site's repositories cannot be compared with the primary's, so what it got while it served is unknown: ${error.message.replace(/\n/g, "; ")}`;
    return { from, checked: 0, present: 0, missing: [], conflicts: [], problems: [problem] };
  }
  const report = await runVerify(reversed, { ...options, shallow: true, copyBack: true });
  return summarizeFailback(from, serving.name, report.rows);
}

/**
 * A readiness mapping that cannot run backwards from the secondary site (several source
 * repositories into one, a renamed tag, a whole project whose paths do not come back) is
 * refused with the record's other rules, before anything is written, not at the failback: by
 * then the secondary has served, and what was pushed to it meanwhile could not be checked or
 * copied back. The mapping can always be written so it runs both ways; a forward-only flip
 * would leave the failback to a guess.
 */
export function failbackMappingProblems(secondaryRegistry: string, readiness: SyncJob | undefined): ConfigIssue[] {
  const from = registryHostOf(secondaryRegistry);
  try {
    // A job that does not compile is named by its own check.
    if (!readiness || !compiles(readiness) || !copiesTo(readiness, from)) return [];
    reverseSyncJob(readiness, { from });
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues.map((issue) => ({
      path: ["readiness", ...issue.path],
      message:
        `${issue.message}. The failback to the primary would have to prove that nothing pushed to the secondary site (${from}) while it served is lost, ` +
        "and this mapping cannot be run backwards to check it (nor copied back with registry-dr sync --reverse): map each repository and tag to exactly one place, under its own name",
    }));
  }
}

function compiles(job: SyncJob): boolean {
  try {
    compileJob(job);
    return true;
  } catch (error) {
    if (error instanceof ConfigError) return false;
    throw error;
  }
}

function copiesTo(job: SyncJob, host: string): boolean {
  return compileJob(job).rules.some((rule) => rule.destinations.some((destination) => canonicalHost(destination.registry) === canonicalHost(host)));
}

export function summarizeFailback(from: string, servingName: string, rows: ReadinessRow[]): FailbackCheck {
  const missing = rows.filter((row) => row.status === "missing");
  const conflicts = rows.filter((row) => row.status === "differs");
  const problems = [
    ...missing.map(
      (row) =>
        `${row.source} (${row.sourceDigest}) is on the ${servingName} site but not at ${row.destination}: pushed while it served, it would be lost; copy it back with registry-dr sync --reverse`,
    ),
    ...conflicts.map(
      (row) =>
        `${row.destination} is ${row.destinationDigest} at the primary but ${row.sourceDigest} at ${row.source}: a conflict; decide which is right and push it to both sides`,
    ),
    ...rows
      .filter((row) => row.status === "incomplete")
      .map(
        (row) =>
          `${row.destination}: the primary lacks what travels with ${row.source} (${row.missing?.join(", ")}); copy it back with registry-dr sync --reverse`,
      ),
    ...rows.filter((row) => row.status === "error").map((row) => `${row.source}: could not be compared with the primary (${row.error})`),
  ];
  const present = rows.filter((row) => row.status === "present").length;
  return { from, checked: rows.length, present, missing: missing.map((row) => row.source), conflicts: conflicts.map((row) => row.destination), problems };
}

/** The preflight of the primary, with the failback's findings: its counts, its problems, and whether forcing covered them. */
export function withFailback(preflight: FailoverPreflight, check: FailbackCheck | undefined, forced: boolean): FailoverPreflight {
  if (!check) return preflight;
  const counts = {
    ...preflight.counts,
    present: preflight.counts.present + check.present,
    missing: preflight.counts.missing + check.missing.length,
    differs: preflight.counts.differs + check.conflicts.length,
  };
  const problems = [...preflight.problems, ...check.problems.map((problem) => `failback: ${problem}`)];
  const { problems: _problems, ...failback } = check;
  return { ...preflight, counts, problems, forced: forced && problems.length > 0, failback };
}
