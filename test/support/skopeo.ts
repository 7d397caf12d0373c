import { execFile } from "node:child_process";
import { createHash } from "node:crypto";

/**
 * skopeo as the independent oracle: whatever registry-dr claims to have copied is checked
 * with a different, widely used implementation. TLS verification is off for every docker://
 * reference: test registries use plain HTTP on loopback or self-signed certificates.
 */

export interface CopyOptions {
  /** Copy every instance of a manifest list / index, not just the one for this machine. */
  all?: boolean;
  /** Fail rather than re-encode (keeps manifest digests). */
  preserveDigests?: boolean;
  /** Convert the manifest: "oci" | "v2s2" (changes the digest). */
  format?: "oci" | "v2s1" | "v2s2";
  /** "user:password" for the source registry. */
  srcCreds?: string;
  /** "user:password" for the destination registry. */
  destCreds?: string;
}

export class SkopeoError extends Error {
  constructor(
    readonly args: string[],
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(`skopeo ${redact(args).join(" ")} failed (exit ${exitCode}): ${stderr.trim()}`);
  }
}

/** Runs skopeo (never through a shell) and returns its stdout bytes. */
export function skopeo(args: string[], timeoutMs = 300_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile("skopeo", args, { encoding: "buffer", maxBuffer: 256 * 1024 * 1024, timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) {
        const code = typeof error.code === "number" ? error.code : null;
        reject(new SkopeoError(args, code, `${stderr.toString("utf8")}${error.killed ? " (killed: timed out)" : ""}` || error.message));
        return;
      }
      resolve(stdout);
    });
  });
}

export async function skopeoCopy(src: string, dst: string, options: CopyOptions = {}): Promise<void> {
  // --insecure-policy: a fresh machine may lack /etc/containers/policy.json, and signature
  // policy is not what these tests are about.
  const args = ["--insecure-policy", "copy", "--quiet", "--src-tls-verify=false", "--dest-tls-verify=false"];
  if (options.all) args.push("--all");
  if (options.preserveDigests) args.push("--preserve-digests");
  if (options.format) args.push("--format", options.format);
  if (options.srcCreds) args.push("--src-creds", options.srcCreds);
  if (options.destCreds) args.push("--dest-creds", options.destCreds);
  args.push(src, dst);
  await skopeo(args);
}

/** The manifest bytes exactly as the registry serves them. */
export async function rawManifest(ref: string, creds?: string): Promise<Buffer> {
  return skopeo(["inspect", "--raw", "--tls-verify=false", ...credsArgs(creds), ref]);
}

/** sha256 of the raw manifest bytes, computed here rather than trusting any header. */
export async function manifestDigest(ref: string, creds?: string): Promise<string> {
  return `sha256:${createHash("sha256")
    .update(await rawManifest(ref, creds))
    .digest("hex")}`;
}

/** Tags of the repository named by `ref` (a tag or digest on it is ignored). */
export async function listTags(ref: string, creds?: string): Promise<string[]> {
  const out = await skopeo(["list-tags", "--tls-verify=false", ...credsArgs(creds), repositoryOf(ref)]);
  const parsed = JSON.parse(out.toString("utf8")) as { Tags?: string[] | null };
  return parsed.Tags ?? [];
}

function credsArgs(creds: string | undefined): string[] {
  return creds ? ["--creds", creds] : [];
}

/** docker://host:port/repo[:tag|@digest] -> docker://host:port/repo */
export function repositoryOf(ref: string): string {
  const withoutDigest = ref.replace(/@sha256:[0-9a-f]{64}$/, "");
  const lastSlash = withoutDigest.lastIndexOf("/");
  const tagColon = withoutDigest.indexOf(":", lastSlash + 1);
  return tagColon > 0 ? withoutDigest.slice(0, tagColon) : withoutDigest;
}

/** Keeps passwords out of error messages and test output. */
function redact(args: string[]): string[] {
  return args.map((arg, i) => (i > 0 && /^--(src-|dest-)?creds$/.test(args[i - 1]) ? arg.replace(/:.*/, ":***") : arg));
}
