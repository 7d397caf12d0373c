import { execFile } from "node:child_process";
import { resolve } from "node:path";

/** The built `registry-dr` command, as a user's shell runs it. */
export const CLI_BIN = resolve(__dirname, "../../../bin/registry-dr.js");

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  cwd: string;
  /** Added to this process's environment; undefined removes a variable. */
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
}

/** Runs `registry-dr ARGS` in its own process and resolves with its exit code and output, whatever the code. */
export function runCli(args: string[], options: CliRunOptions): Promise<CliRun> {
  const env = { ...process.env, ...options.env };
  for (const [name, value] of Object.entries(options.env ?? {})) if (value === undefined) delete env[name];
  return new Promise((done) => {
    execFile(process.execPath, [CLI_BIN, ...args], { cwd: options.cwd, env, timeout: options.timeoutMs }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
    });
  });
}
