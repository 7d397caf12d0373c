import { readFileSync } from "node:fs";
// As the registry-dr command does, so start-up costs the same as a user's run.
require("node:module").enableCompileCache?.();
import { runSync } from "../../provider";

/**
 * The sync engine in a process of its own, as the CLI runs it, so the benchmark can
 * measure its wall time and peak memory apart from the harness. Prints one JSON line.
 */
async function main(): Promise<void> {
  const { job, options } = JSON.parse(readFileSync(process.argv[2], "utf8"));
  const report = await runSync(job, options);
  const failed = report.results.filter((result) => result.status === "failed");
  process.stdout.write(
    `${JSON.stringify({ counts: report.counts, stats: report.stats, durationMs: report.durationMs, maxRssKiB: process.resourceUsage().maxRSS, failed: failed.slice(0, 5) })}\n`,
  );
  process.exitCode = failed.length ? 1 : 0;
}

void main();
