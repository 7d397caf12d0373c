import { ReadinessRow, reverseSyncJob, runVerify, shortDigest, syncOptionsOf } from "../../provider/sync";
import { CommandArguments } from "../arguments";
import { withCertDir } from "../cert-dir";
import { loadSyncJob } from "../config-files";
import { checkOutputFiles } from "../output-files";

export async function verifyCommand(args: CommandArguments, signal: AbortSignal): Promise<number> {
  const loaded = loadSyncJob(args);
  checkOutputFiles(args, false);
  const job = args.reverse ? reverseSyncJob(loaded, args.reverse) : loaded;
  const report = await runVerify(job, {
    ...withCertDir(syncOptionsOf(args.settings, { surface: "command", signal, shallow: args.shallow }), args.certDir),
    copyBack: args.reverse !== undefined,
  });
  // Row errors quote registries, which may echo credentials back: runVerify hands them out redacted with the job's secrets.
  const rows = report.rows;
  // Loaded only when asked for: the metrics library is not every verify's start-up cost.
  if (args.metricsFile) await (require("../verify-metrics") as typeof import("../verify-metrics")).writeVerifyMetrics(args.metricsFile, rows);
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ complete: report.complete, counts: countRows(rows), rows }, null, 2)}\n`);
  } else {
    process.stdout.write(renderTable(rows));
    const counts = countRows(report.rows);
    process.stdout.write(
      `\n${report.complete ? "complete" : "INCOMPLETE"}${args.shallow ? " (tag digests only)" : ""}: ${counts.present} present, ${counts.incomplete} incomplete, ` +
        `${counts.missing} missing, ${counts.differs} differ, ${counts.error} could not be checked\n`,
    );
  }
  return report.complete ? 0 : 1;
}

function countRows(rows: ReadinessRow[]): Record<ReadinessRow["status"], number> {
  const counts = { present: 0, incomplete: 0, missing: 0, differs: 0, error: 0 };
  for (const row of rows) counts[row.status]++;
  return counts;
}

function renderTable(rows: ReadinessRow[]): string {
  const lines = rows.map((row) => [row.status, row.source, row.destination, detail(row)]);
  const header = ["STATUS", "SOURCE", "DESTINATION", "DIGEST"];
  const widths = header.map((title, column) => Math.max(title.length, ...lines.slice(0, 500).map((line) => Math.min(line[column].length, 80))));
  const render = (cells: string[]) => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]))).join("  ");
  return [render(header), ...lines.map(render)].join("\n") + "\n";
}

function detail(row: ReadinessRow): string {
  if (row.status === "differs") return `${shortDigest(row.destinationDigest)} != ${shortDigest(row.sourceDigest)}`;
  if (row.missing) return `missing ${row.missing.join(", ")}`;
  return row.error ?? shortDigest(row.sourceDigest);
}
