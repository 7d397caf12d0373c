import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { Gauge, Registry } from "prom-client";
import { z } from "zod";
import { ReadinessRow } from "../provider/sync";
import { RecoveryPoint, registerRecoveryPoint } from "../provider/watch";

/**
 * `verify --metrics-file FILE`: the recovery point gauges the watcher serves, written for
 * node_exporter's textfile collector (FILE ends in .prom, in its directory). A run does not
 * know when an image went missing, so FILE.missing-since.json, beside it, keeps when each
 * missing image was first found missing: the next run counts from then.
 */

const sinceSchema = z.record(z.string().max(1024), z.number().finite().nonnegative()).refine((record) => Object.keys(record).length <= 1_000_000);

export async function writeVerifyMetrics(file: string, rows: ReadinessRow[], now = Date.now()): Promise<void> {
  const known = readSince(`${file}.missing-since.json`);
  const recoveryPoint = new RecoveryPoint(rows.map((row) => row.destination.split("/")[0]));
  for (const row of rows) if (row.status !== "present") recoveryPoint.lacks(row.destination, Math.min(known[row.destination] ?? now, now));
  const registry = new Registry();
  registerRecoveryPoint(registry, recoveryPoint, () => now);
  new Gauge({
    name: "registry_dr_verify_timestamp_seconds",
    help: "When registry-dr verify last wrote these figures (Unix time).",
    registers: [registry],
  }).set(now / 1000);
  writeAtomically(
    `${file}.missing-since.json`,
    `${JSON.stringify(Object.fromEntries(recoveryPoint.entries().map(({ destination, since }) => [destination, since])))}\n`,
  );
  writeAtomically(file, await registry.metrics());
}

/** What the last run found; a file that is missing or not what this writes starts the count afresh. */
function readSince(file: string): Record<string, number> {
  try {
    const parsed = sinceSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

/** Written beside and renamed over: the collector never reads half a file. */
function writeAtomically(file: string, text: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode: 0o644 });
  renameSync(temporary, file);
}
