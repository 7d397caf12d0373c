import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** Runs a command under GNU time, so every tool's wall time and peak RSS are measured the same way. */
export interface Measured {
  wallMs: number;
  maxRssMiB: number;
  stdout: string;
  stderr: string;
}

export function measure(command: string, args: string[], scratch: string): Promise<Measured> {
  const timing = join(scratch, `time-${process.hrtime.bigint()}.txt`);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    execFile("/usr/bin/time", ["-f", "%M", "-o", timing, command, ...args], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const wallMs = performance.now() - started;
      if (error) return reject(new Error(`${command} failed: ${stderr.slice(-2000)}`));
      const maxRssKiB = Number(readFileSync(timing, "utf8").trim().split("\n").pop());
      resolve({ wallMs, maxRssMiB: maxRssKiB / 1024, stdout, stderr });
    });
  });
}
