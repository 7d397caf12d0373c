import { ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { get as httpGet, IncomingMessage } from "node:http";
import { get as httpsGet } from "node:https";
import { stopChild, trackChild } from "./processes";

/** Launching one docker-registry process and telling when it serves, or why it does not. */

const REGISTRY_BINARY = "docker-registry";
const READY_TIMEOUT_MS = 20_000;

export type StartOutcome = { ready: true; child: ChildProcess } | { ready: false; reason: string; stderr: string };

/**
 * Runs `docker-registry serve <configPath>` with stdout (the access log) appended to
 * `accessLogPath` and stderr to `stderrPath`, and waits until GET `url`/v2/ answers 200 or
 * 401. On exit or timeout the process is gone and its stderr is returned.
 */
export async function launchRegistry(
  configPath: string,
  url: string,
  caCertPath: string | undefined,
  accessLogPath: string,
  stderrPath: string,
): Promise<StartOutcome> {
  const out = openSync(accessLogPath, "a");
  const err = openSync(stderrPath, "w");
  let child: ChildProcess;
  try {
    child = spawn(REGISTRY_BINARY, ["serve", configPath], { stdio: ["ignore", out, err] });
    trackChild(child);
  } finally {
    // The child has its own copies of the descriptors.
    closeSync(out);
    closeSync(err);
  }
  const reason = await waitReady(child, url, caCertPath ? readFileSync(caCertPath) : undefined);
  if (reason === undefined) return { ready: true, child };
  await stopChild(child);
  return { ready: false, reason, stderr: readFileSync(stderrPath, "utf8") };
}

/** undefined once ready, else why not. */
async function waitReady(child: ChildProcess, url: string, ca: Buffer | undefined): Promise<string | undefined> {
  const exited = new Promise<string>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(`exited with ${child.exitCode ?? child.signalCode}`);
    child.once("exit", (code, signal) => resolve(`exited with ${code ?? signal}`));
    child.once("error", (error) => resolve(`could not run ${REGISTRY_BINARY}: ${error.message}`));
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const status = await Promise.race([probe(`${url}/v2/`, ca), exited]);
    if (typeof status === "string") return status;
    if (status === 200 || status === 401) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return `no answer from ${url}/v2/ within ${READY_TIMEOUT_MS / 1000} s`;
}

/** The HTTP status of a GET, or 0 when nothing answers yet. */
function probe(url: string, ca: Buffer | undefined): Promise<number> {
  return new Promise((resolve) => {
    const onResponse = (res: IncomingMessage) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    };
    const req = ca ? httpsGet(url, { ca, timeout: 1000 }, onResponse) : httpGet(url, { timeout: 1000 }, onResponse);
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(0));
  });
}
