import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ArgumentChecks, isKnown } from "../argument-checks";
import { cronScheduleProblem } from "./cron-schedule";
import { DNS_LABEL, PodArgs, checkPodConfig, checkPodFields } from "./pod-args";
import { SyncFlags, syncFlagsSchema } from "./sync-flags";

export interface SyncScheduleArgs extends PodArgs {
  /** When runs start, in cron syntax: "0 * * * *", "*\/30 * * * *", "@hourly". */
  schedule: pulumi.Input<string>;
  /** The IANA time zone the schedule is read in (Europe/Berlin); default the cluster's (usually UTC). */
  timeZone?: pulumi.Input<string>;
  /** Pods per run, each copying one shard of the repositories (`--shard i/N`); 1-100, default 1. */
  shards?: number;
  /** The command's flags, for every pod. */
  sync?: SyncFlags;
  /** Default Forbid: a DR sync must not overlap itself (two runs would push the same tags). */
  concurrencyPolicy?: "Forbid" | "Replace" | "Allow";
  /** Stop scheduling runs (running ones finish). */
  suspend?: pulumi.Input<boolean>;
  /** A run that could not start within this many seconds of its time is skipped. */
  startingDeadlineSeconds?: number;
  /** Pod retries of one run, all shards together (the Job's backoffLimit; Kubernetes' default 6). */
  backoffLimit?: number;
  /** A run still going after this many seconds is stopped (its pods killed). Without it a stuck run blocks every later one under Forbid. */
  activeDeadlineSeconds?: number;
  successfulJobsHistoryLimit?: number;
  failedJobsHistoryLimit?: number;
}

export type { SyncScheduleConfig } from "./pod-args";

/** Pods of one run. The command takes more, but every pod holds its own connections to the primary (proc each). */
export const MAX_SHARDS = 100;
/** CronJob names stop at 52 characters; Pulumi appends `-sync` and an 8-character suffix. */
export const MAX_NAME_LENGTH = 38;

/** Checks what is known while the program runs; config parts given as Outputs are checked when they resolve. */
export function validateSyncScheduleArgs(name: string, args: SyncScheduleArgs): void {
  if (args === undefined || args === null || typeof args !== "object")
    throw new Error(`SyncSchedule ${name}: expected args {schedule, image, config, shards?, ...}`);
  const check = new ArgumentChecks("SyncSchedule", name);
  if (!DNS_LABEL.test(name) || name.length > MAX_NAME_LENGTH)
    check.fail("name", `expected lowercase letters, digits and hyphens, at most ${MAX_NAME_LENGTH} characters (the CronJob is named after it)`, name);
  check.rule<string>("schedule", args.schedule, (schedule) => typeof schedule === "string", "a cron schedule", true);
  if (isKnown(args.schedule)) check.problem("schedule", args.schedule, cronScheduleProblem(args.schedule as string));
  check.rule<string>("timeZone", args.timeZone, isTimeZone, "an IANA time zone name such as Europe/Berlin or UTC");
  check.schema(
    "shards",
    args.shards,
    z
      .number({ error: `expected a whole number of shards from 1 to ${MAX_SHARDS}` })
      .int({ error: `expected a whole number of shards from 1 to ${MAX_SHARDS}` })
      .min(1, { error: `expected at least 1 shard` })
      .max(MAX_SHARDS, { error: `expected at most ${MAX_SHARDS} shards (pods of one run)` }),
  );
  // Several mistakes are reported as the args read: the pod, the job, then what it syncs.
  checkPodFields(check, args);
  checkJobFields(check, args);
  checkPodConfig(check, `SyncSchedule ${name}: config`, args, args.sync, syncFlagsSchema());
}

function checkJobFields(check: ArgumentChecks, args: SyncScheduleArgs): void {
  check.schema("concurrencyPolicy", args.concurrencyPolicy, z.enum(["Forbid", "Replace", "Allow"], { error: "expected Forbid, Replace or Allow" }));
  check.schema("suspend", args.suspend, z.boolean({ error: "expected true or false" }));
  const seconds = (min: number) =>
    z
      .number({ error: `expected a whole number of seconds of at least ${min}` })
      .int({ error: `expected a whole number of seconds of at least ${min}` })
      .min(min, { error: `expected a whole number of seconds of at least ${min}` });
  const count = z
    .number({ error: "expected a whole number of at least 0" })
    .int({ error: "expected a whole number of at least 0" })
    .min(0, { error: "expected a whole number of at least 0" });
  check.schema("startingDeadlineSeconds", args.startingDeadlineSeconds, seconds(10));
  check.schema("activeDeadlineSeconds", args.activeDeadlineSeconds, seconds(1));
  for (const field of ["backoffLimit", "successfulJobsHistoryLimit", "failedJobsHistoryLimit"] as const) check.schema(field, args[field], count);
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
