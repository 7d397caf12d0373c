import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { parseReference } from "../../provider/clients/oci/reference";
import type { ImageSyncArgs } from "../../provider/resources/image-sync";
import { ArgumentChecks, isKnown } from "../argument-checks";
import { isEventual } from "../eventual";
import { cronScheduleProblem } from "./cron-schedule";
import { authFileText, imagesFileText } from "./sync-config-files";
import { SyncFlags, syncFlagsSchema } from "./sync-flags";

export interface SyncScheduleArgs {
  /** When runs start, in cron syntax: "0 * * * *", "*\/30 * * * *", "@hourly". */
  schedule: pulumi.Input<string>;
  /** The IANA time zone the schedule is read in (Europe/Berlin); default the cluster's (usually UTC). */
  timeZone?: pulumi.Input<string>;
  /** Pods per run, each copying one shard of the repositories (`--shard i/N`); 1-100, default 1. */
  shards?: number;
  /** The registry-dr container image (built from this repository's Dockerfile), such as registry.example.com/tools/registry-dr:0.1.0. */
  image: pulumi.Input<string>;
  imagePullPolicy?: "Always" | "IfNotPresent" | "Never";
  /** Secrets (of type kubernetes.io/dockerconfigjson) to pull the image with. */
  imagePullSecrets?: pulumi.Input<string>[];
  /** The Kubernetes namespace of the CronJob, its ConfigMap and Secret; default the provider's. */
  namespace?: pulumi.Input<string>;
  /** What to copy, in image-syncer's format, as `registry-dr sync` reads it: `images` go into a ConfigMap, `auth` (secret) into a Secret. */
  config: SyncScheduleConfig;
  /** Instead of `config.auth`: an existing Secret holding the auth file (JSON or YAML), under `key` (default auth.json). */
  authSecret?: { name: pulumi.Input<string>; key?: string };
  /** An existing Secret whose keys become environment variables, for `${NAME}` usernames and passwords in the auth file. */
  environmentSecret?: pulumi.Input<string>;
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
  /** Each pod's requests and limits; default requests 100m CPU and 256Mi, limit 1Gi. */
  resources?: pulumi.Input<k8s.types.input.core.v1.ResourceRequirements>;
  /** The pods' service account (for workload identity, say); default the namespace's default. */
  serviceAccountName?: pulumi.Input<string>;
}

/** ImageSync's `images` and `auth`, so one config serves both. */
export interface SyncScheduleConfig {
  images: ImageSyncArgs["images"];
  /** Registry credentials: put in a Secret, never in the ConfigMap or the CronJob. */
  auth?: ImageSyncArgs["auth"];
}

/** Pods of one run. The command takes more, but every pod holds its own connections to the primary (proc each). */
export const MAX_SHARDS = 100;
/** CronJob names stop at 52 characters; Pulumi appends `-sync` and an 8-character suffix. */
export const MAX_NAME_LENGTH = 38;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

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
  check.rule<string>("image", args.image, (image) => typeof image === "string", "the container image reference", true);
  if (isKnown(args.image)) check.problem("image", args.image, imageProblem(args.image as string));
  check.schema("imagePullPolicy", args.imagePullPolicy, z.enum(["Always", "IfNotPresent", "Never"], { error: "expected Always, IfNotPresent or Never" }));
  for (const [index, secret] of (args.imagePullSecrets ?? []).entries())
    check.rule<string>(`imagePullSecrets[${index}]`, secret, (value) => DNS_SUBDOMAIN.test(value), "a Secret name");
  check.rule<string>(
    "namespace",
    args.namespace,
    (namespace) => DNS_LABEL.test(namespace) && namespace.length <= 63,
    "a Kubernetes namespace name (lowercase letters, digits and hyphens, at most 63)",
  );
  check.rule<string>("environmentSecret", args.environmentSecret, (secret) => DNS_SUBDOMAIN.test(secret), "the name of an existing Secret");
  check.rule<string>("serviceAccountName", args.serviceAccountName, (account) => DNS_SUBDOMAIN.test(account), "a service account name");
  checkJobFields(check, args);
  checkSyncFlags(check, args.sync);
  checkCredentialsSource(check, args);
  checkKnownConfig(name, args);
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

function checkSyncFlags(check: ArgumentChecks, flags: SyncFlags | undefined): void {
  if (flags === undefined) return;
  if (flags === null || typeof flags !== "object") check.fail("sync", "expected an object of sync flags (proc, retries, ...)", flags);
  const schemas: Record<string, z.ZodType> = syncFlagsSchema();
  for (const [flag, value] of Object.entries(flags)) {
    if (!Object.hasOwn(schemas, flag)) check.fail(`sync.${flag}`, `unknown flag: expected one of ${Object.keys(schemas).join(", ")}`, value);
    check.schema(`sync.${flag}`, value, schemas[flag]);
  }
}

function checkCredentialsSource(check: ArgumentChecks, args: SyncScheduleArgs): void {
  if (args.config === null || typeof args.config !== "object" || isEventual(args.config))
    check.fail(
      "config",
      "expected {images, auth?}: auth goes into a Secret, images into a ConfigMap, so give them as fields",
      isEventual(args.config) ? "(an Output)" : typeof args.config,
    );
  if (args.config.images === undefined) check.fail("config.images", "expected the images to copy, as image-syncer's images map", undefined);
  if (args.authSecret === undefined) return;
  if (args.config.auth !== undefined) check.fail("authSecret", "expected either config.auth or authSecret, not both", "{...}");
  check.rule<string>("authSecret.name", args.authSecret.name, (secret) => DNS_SUBDOMAIN.test(secret), "the name of an existing Secret", true);
  check.rule<string>("authSecret.key", args.authSecret.key, (key) => /^[-._a-zA-Z0-9]+$/.test(key), "a Secret key such as auth.json");
}

/** Parts of the config known now are checked now, so a bad one registers nothing. */
function checkKnownConfig(name: string, args: SyncScheduleArgs): void {
  const source = `SyncSchedule ${name}: config`;
  const defaults = { registry: args.sync?.registry, namespace: args.sync?.namespace };
  const plainDefaults = !isEventual(defaults.registry) && !isEventual(defaults.namespace);
  if (plainDefaults && isDeeplyKnown(args.config.images)) imagesFileText(args.config.images, defaults as { registry?: string; namespace?: string }, source);
  if (args.config.auth !== undefined && isDeeplyKnown(args.config.auth)) authFileText(args.config.auth, args.environmentSecret !== undefined, source);
}

function isDeeplyKnown(value: unknown): boolean {
  if (isEventual(value)) return false;
  if (value === null || typeof value !== "object") return true;
  return Object.values(value).every(isDeeplyKnown);
}

function imageProblem(image: string): string | undefined {
  if (image.trim() !== image || image === "") return "expected a container image reference such as registry.example.com/tools/registry-dr:0.1.0";
  try {
    parseReference(image);
    return undefined;
  } catch (error) {
    return `expected a container image reference such as registry.example.com/tools/registry-dr:0.1.0: ${(error as Error).message}`;
  }
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
