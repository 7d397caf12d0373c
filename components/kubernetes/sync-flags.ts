import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { MAX_PROC, MAX_RETRIES, MAX_TIMEOUT_MS, parsePlatformSelector } from "../../provider/sync";

/**
 * The `registry-dr sync` flags a scheduled run takes, and the command line they become. The
 * bounds and platform selectors are the command's own (run-limits.ts, platform-filter.ts), so a value refused here would be refused
 * by every pod of every run; the mocks test parses the rendered line with the command's parser.
 */
export interface SyncFlags {
  /** Images copied at once in each pod (--proc, 1-256; default 5). Every pod opens its own connections: the primary sees shards x proc. */
  proc?: number;
  /** Attempts after the first for each image (--retries, 0-100; default 2). */
  retries?: number;
  /** Default destination registry for `""` destinations (--registry). */
  registry?: pulumi.Input<string>;
  /** Default destination namespace for `""` destinations (--namespace). */
  namespace?: pulumi.Input<string>;
  /** Copy only these OSes / architectures of multi-arch images (--os, --arch), as the command takes them: `windows:10.0.17763.1999`, `arm:v7`. */
  os?: string[];
  arch?: string[];
  /** Push manifests even when the destination has them (--force). */
  force?: boolean;
  /** Copy cosign signatures and OCI referrers with each image (default true; false is --no-referrers). */
  referrers?: boolean;
  /** Check every child manifest and blob under existing tags and re-copy what is missing (--repair). */
  repair?: boolean;
  /** Stop each pod after this many seconds (--timeout); unfinished images count as failed. */
  timeoutSeconds?: number;
  /** At most this many requests a second to each registry host, per pod (--max-rps). */
  maxRequestsPerSecond?: number;
}

/** Where the pod finds its files; the ConfigMap and the Secret are mounted read-only there. */
export const POD_FILES = {
  images: "/etc/registry-dr/images/images.json",
  auth: "/etc/registry-dr/auth/auth.json",
  // The root file system is read-only; /tmp is an emptyDir.
  failedImages: "/tmp/failed-images.json",
} as const;

/** Kubernetes puts the pod's completion index (0 to N-1) in this variable; `$(NAME)` in args is expanded from it. */
export const COMPLETION_INDEX_VARIABLE = "JOB_COMPLETION_INDEX";

/** --timeout's ceiling, in seconds. */
const MAX_TIMEOUT_SECONDS = Math.floor(MAX_TIMEOUT_MS / 1000);

/** Each flag's schema, so a flag given as an Output is left alone and the others are still checked. */
export function syncFlagsSchema() {
  const whole = (min: number, max: number) => z.number({ error: `expected a whole number from ${min} to ${max}` }).int({ error: `expected a whole number from ${min} to ${max}` }).min(min, { error: `expected a whole number from ${min} to ${max}` }).max(max, { error: `expected a whole number from ${min} to ${max}` });
  const selectors = (kind: "os" | "arch", what: string) =>
    z
      .array(
        z.string({ error: `expected ${what}` }).superRefine((text, context) => {
          try {
            parsePlatformSelector(kind, text);
          } catch (error) {
            context.addIssue({ code: "custom", message: (error as Error).message });
          }
        }),
        { error: `expected a list of ${what}` },
      )
      .min(1, { error: `expected at least one of ${what}` });
  const flag = z.boolean({ error: "expected true or false" });
  return {
      proc: whole(1, MAX_PROC).optional(),
      retries: whole(0, MAX_RETRIES).optional(),
      registry: z.string({ error: "expected the default destination registry host" }).min(1, { error: "expected the default destination registry host" }).optional(),
      namespace: z.string({ error: "expected the default destination namespace" }).min(1, { error: "expected the default destination namespace" }).optional(),
      os: selectors("os", "OS selectors (linux, windows:10.0.17763.1999)").optional(),
      arch: selectors("arch", "architecture selectors (amd64, arm:v7)").optional(),
      force: flag.optional(),
      referrers: flag.optional(),
      repair: flag.optional(),
      timeoutSeconds: whole(1, MAX_TIMEOUT_SECONDS).optional(),
      maxRequestsPerSecond: z.number({ error: "expected requests a second above zero, such as 20" }).positive({ error: "expected requests a second above zero, such as 20" }).finite().optional(),
  } satisfies Record<keyof SyncFlags, z.ZodType>;
}

/**
 * `sync --images ... [--auth ...] --shard $(JOB_COMPLETION_INDEX)/N ...`: each pod of the
 * Indexed Job copies the shard numbered like its completion index (both count from 0).
 */
export function syncCommandArguments(flags: SyncFlags, shards: number, withAuth: boolean): pulumi.Input<string>[] {
  const line: pulumi.Input<string>[] = ["sync", "--images", POD_FILES.images];
  if (withAuth) line.push("--auth", POD_FILES.auth);
  line.push("--shard", `$(${COMPLETION_INDEX_VARIABLE})/${shards}`, "--failed-images", POD_FILES.failedImages);
  const valued: [string, pulumi.Input<string> | number | undefined][] = [
    ["--proc", flags.proc],
    ["--retries", flags.retries],
    ["--registry", flags.registry],
    ["--namespace", flags.namespace],
    ["--timeout", flags.timeoutSeconds === undefined ? undefined : `${flags.timeoutSeconds}s`],
    ["--max-rps", flags.maxRequestsPerSecond],
  ];
  for (const [flag, value] of valued) if (value !== undefined) line.push(flag, typeof value === "number" ? String(value) : value);
  if (flags.os) line.push("--os", flags.os.join(","));
  if (flags.arch) line.push("--arch", flags.arch.join(","));
  if (flags.force) line.push("--force");
  if (flags.referrers === false) line.push("--no-referrers");
  if (flags.repair) line.push("--repair");
  return line;
}
