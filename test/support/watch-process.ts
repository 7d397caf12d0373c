import { ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { resolve } from "node:path";
import { stopChild, trackChild } from "./processes";

/** `registry-dr watch` as a user runs it: the real command in a child process, its log collected. */

const BIN = resolve(__dirname, "../../../bin/registry-dr.js");

export interface WatchProcess {
  url: string;
  child: ChildProcess;
  /** Everything it wrote to stderr so far. */
  log(): string;
  /** Polls `/readyz` until 200. */
  ready(timeoutMs?: number): Promise<void>;
  /** The text of `/metrics`. */
  metrics(): Promise<string>;
  /** SIGTERM, and the exit code once it has drained. */
  terminate(): Promise<number | null>;
  kill(): Promise<void>;
}

export function startWatch(args: string[], port: number, secret: string, cwd: string): WatchProcess {
  const child = spawn(process.execPath, [BIN, "watch", `--listen=127.0.0.1:${port}`, ...args], {
    cwd,
    env: { ...process.env, REGISTRY_DR_WATCH_SECRET: secret },
    stdio: ["ignore", "pipe", "pipe"],
  });
  trackChild(child);
  let log = "";
  child.stdout!.on("data", (chunk) => (log += chunk));
  child.stderr!.on("data", (chunk) => (log += chunk));
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    child,
    log: () => log,
    async ready(timeoutMs = 30_000) {
      await until(
        async () => (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200,
        timeoutMs,
        () => `the watcher was not ready; its log:\n${log}`,
      );
    },
    async metrics() {
      return (await fetch(`${url}/metrics`)).text();
    },
    async terminate() {
      // The child is unreferenced (trackChild): this timer keeps the test alive until it exits.
      const keepAlive = setTimeout(() => {}, 120_000);
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      const [code] = await exited;
      clearTimeout(keepAlive);
      return code as number | null;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      child.kill("SIGKILL");
      await exited;
      await stopChild(child);
    },
  };
}

/** Polls `check` every 100 ms until it holds, or fails with `describe()` after `timeoutMs`. */
export async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(describe());
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** The value of one series in Prometheus' text format, or undefined when it is not there. */
export function metricValue(text: string, series: string): number | undefined {
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}
