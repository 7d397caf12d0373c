import { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Bookkeeping for what the test bed leaves running or lying around: registry processes
 * and temp dirs. A test that forgets to stop a server, or a run cut short by Ctrl-C or the
 * test runner's timeout, must not leave registries listening or temp dirs growing.
 */

const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();
let hooksInstalled = false;

function cleanupSync(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  children.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on("exit", cleanupSync);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, function onSignal() {
      cleanupSync();
      // The node:test harness has its own handler that exits; a plain script (the bench)
      // has none, and our listener would swallow the signal, so die of it as usual.
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      }
    });
  }
}

/** Registers a child to be killed when this process exits; the child no longer keeps node alive. */
export function trackChild(child: ChildProcess): void {
  installHooks();
  children.add(child);
  child.once("exit", () => children.delete(child));
  child.unref();
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child is gone. */
export async function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    children.delete(child);
    return;
  }
  await new Promise<void>((resolve) => {
    // This timer is referenced on purpose: it keeps node alive until the exit event arrives.
    const escalate = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(escalate);
      resolve();
    });
    child.kill("SIGTERM");
  });
  children.delete(child);
}

/** A fresh temp dir that is removed on exit unless removed earlier with `removeTempDir`. */
export function makeTempDir(prefix: string): string {
  installHooks();
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export async function removeTempDir(dir: string): Promise<void> {
  tempDirs.delete(dir);
  await rm(dir, { recursive: true, force: true });
}
