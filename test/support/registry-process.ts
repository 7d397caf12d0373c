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
  probeTls: ProbeTls = {},
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
  const reason = await waitReady(child, url, { ...(caCertPath ? { ca: readFileSync(caCertPath) } : {}), ...probeTls });
  if (reason === undefined) return { ready: true, child };
  await stopChild(child);
  return { ready: false, reason, stderr: readFileSync(stderrPath, "utf8") };
}

/**
 * How the readiness probe connects to a TLS registry: its CA, or no verification (a
 * certificate for a name other than the address probed); a client certificate (mTLS).
 */
export interface ProbeTls {
  ca?: Buffer;
  rejectUnauthorized?: boolean;
  cert?: Buffer;
  key?: Buffer;
}

/** undefined once ready, else why not. */
async function waitReady(child: ChildProcess, url: string, tls: ProbeTls): Promise<string | undefined> {
  const exited = new Promise<string>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(`exited with ${child.exitCode ?? child.signalCode}`);
    child.once("exit", (code, signal) => resolve(`exited with ${code ?? signal}`));
    child.once("error", (error) => resolve(`could not run ${REGISTRY_BINARY}: ${error.message}`));
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const status = await Promise.race([probe(`${url}/v2/`, tls), exited]);
    if (typeof status === "string") return status;
    if (status === 200 || status === 401) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return `no answer from ${url}/v2/ within ${READY_TIMEOUT_MS / 1000} s`;
}

/** The HTTP status of a GET, or 0 when nothing answers yet. */
function probe(url: string, tls: ProbeTls): Promise<number> {
  return new Promise((resolve) => {
    const onResponse = (res: IncomingMessage) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    };
    const req = url.startsWith("https:") ? httpsGet(url, { ...tls, timeout: 1000 }, onResponse) : httpGet(url, { timeout: 1000 }, onResponse);
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(0));
  });
}
