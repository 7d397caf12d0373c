import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { RUN_SETTINGS, RunSettings, runSettingFields } from "../../provider/sync";

/**
 * The `registry-dr sync` flags a scheduled run takes, and the command line they become. The
 * run settings and their bounds are the command's own (provider/sync/run-settings.ts), so a
 * value refused here would be refused by every pod of every run; the mocks test parses the
 * rendered line with the command's parser.
 */

/** The run settings a pod takes from the schedule; its shard comes from its completion index. */
const SCHEDULED_SETTINGS = ["proc", "retries", "os", "arch", "force", "referrers", "repair", "timeoutSeconds", "maxRequestsPerSecond"] as const;

/**
 * Every pod opens its own connections: with `proc`, the primary sees shards x proc images at once.
 * `maxRequestsPerSecond` holds per pod.
 */
export interface SyncFlags extends Pick<RunSettings, (typeof SCHEDULED_SETTINGS)[number]> {
  /** Default destination registry for `""` destinations (--registry). */
  registry?: pulumi.Input<string>;
  /** Default destination namespace for `""` destinations (--namespace). */
  namespace?: pulumi.Input<string>;
}

/** The run settings a watcher takes: a watcher runs until stopped, so no deadline, and it repairs nothing. */
const WATCH_SETTINGS = ["proc", "retries", "os", "arch", "force", "referrers", "maxRequestsPerSecond"] as const;

/** `registry-dr watch`'s engine flags: the same meaning as SyncSchedule's. */
export interface WatchFlags extends Pick<RunSettings, (typeof WATCH_SETTINGS)[number]> {
  registry?: pulumi.Input<string>;
  namespace?: pulumi.Input<string>;
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

/** Each flag's schema, so a flag given as an Output is left alone and the others are still checked. */
export function syncFlagsSchema() {
  const text = (what: string) =>
    z
      .string({ error: `expected ${what}` })
      .min(1, { error: `expected ${what}` })
      .optional();
  return {
    ...runSettingFields(SCHEDULED_SETTINGS),
    registry: text("the default destination registry host"),
    namespace: text("the default destination namespace"),
  } satisfies Record<keyof SyncFlags, z.ZodType>;
}

/** WatchFlags' schemas, as syncFlagsSchema. */
export function watchFlagsSchema() {
  const { registry, namespace } = syncFlagsSchema();
  return { ...runSettingFields(WATCH_SETTINGS), registry, namespace } satisfies Record<keyof WatchFlags, z.ZodType>;
}

/**
 * `sync --images ... [--auth ...] --shard $(JOB_COMPLETION_INDEX)/N ...`: each pod of the
 * Indexed Job copies the shard numbered like its completion index (both count from 0).
 */
export function syncCommandArguments(flags: SyncFlags, shards: number, withAuth: boolean): pulumi.Input<string>[] {
  const line: pulumi.Input<string>[] = ["sync", "--images", POD_FILES.images];
  if (withAuth) line.push("--auth", POD_FILES.auth);
  line.push("--shard", `$(${COMPLETION_INDEX_VARIABLE})/${shards}`, "--failed-images", POD_FILES.failedImages);
  line.push(...engineFlags(flags));
  if (flags.timeoutSeconds !== undefined) line.push(RUN_SETTINGS.timeoutSeconds.flag, `${flags.timeoutSeconds}s`);
  if (flags.repair) line.push(RUN_SETTINGS.repair.flag);
  return line;
}

/** The watcher's own settings, as `registry-dr watch` takes them. */
export interface WatchSettings {
  port: number;
  resyncIntervalSeconds?: number;
  queue?: number;
  followDeletions?: boolean;
}

/** `watch --images ... [--auth ...] --listen 0.0.0.0:PORT ...`: the shared secret comes from the environment. */
export function watchCommandArguments(flags: WatchFlags, settings: WatchSettings, withAuth: boolean): pulumi.Input<string>[] {
  const line: pulumi.Input<string>[] = ["watch", "--images", POD_FILES.images];
  if (withAuth) line.push("--auth", POD_FILES.auth);
  line.push("--listen", `0.0.0.0:${settings.port}`, ...engineFlags(flags));
  if (settings.resyncIntervalSeconds !== undefined) line.push("--resync-interval", `${settings.resyncIntervalSeconds}s`);
  if (settings.queue !== undefined) line.push("--queue", String(settings.queue));
  if (settings.followDeletions) line.push("--follow-deletions");
  return line;
}

/** The flags sync and watch share. */
function engineFlags(flags: WatchFlags): pulumi.Input<string>[] {
  const line: pulumi.Input<string>[] = [];
  const valued: [string, pulumi.Input<string> | number | undefined][] = [
    [RUN_SETTINGS.proc.flag, flags.proc],
    [RUN_SETTINGS.retries.flag, flags.retries],
    ["--registry", flags.registry],
    ["--namespace", flags.namespace],
    [RUN_SETTINGS.maxRequestsPerSecond.flag, flags.maxRequestsPerSecond],
  ];
  for (const [flag, value] of valued) if (value !== undefined) line.push(flag, typeof value === "number" ? String(value) : value);
  if (flags.os?.length) line.push(RUN_SETTINGS.os.flag, flags.os.join(","));
  if (flags.arch?.length) line.push(RUN_SETTINGS.arch.flag, flags.arch.join(","));
  if (flags.force) line.push(RUN_SETTINGS.force.flag);
  if (flags.referrers === false) line.push(RUN_SETTINGS.referrers.flag);
  return line;
}
