import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { parseReference } from "../../provider/clients/oci/reference";
import type { ImageSyncArgs } from "../../provider/resources/image-sync";
import { ArgumentChecks, isKnown } from "../argument-checks";
import { isEventual } from "../eventual";
import { authFileText, imagesFileText } from "./sync-config-files";

/**
 * What every registry-dr pod takes (SyncSchedule's runs, SyncWatcher's service): the image, the
 * config as a ConfigMap and a Secret, the pod's identity and resources. Checked the same way for
 * both, before anything registers.
 */
export interface PodArgs {
  /** The registry-dr container image (built from this repository's Dockerfile), such as registry.example.com/tools/registry-dr:0.1.0. */
  image: pulumi.Input<string>;
  imagePullPolicy?: "Always" | "IfNotPresent" | "Never";
  /** Secrets (of type kubernetes.io/dockerconfigjson) to pull the image with. */
  imagePullSecrets?: pulumi.Input<string>[];
  /** The Kubernetes namespace of everything created; default the provider's. */
  namespace?: pulumi.Input<string>;
  /** What to copy, in image-syncer's format, as `registry-dr sync` reads it: `images` go into a ConfigMap, `auth` (secret) into a Secret. */
  config: SyncScheduleConfig;
  /** Instead of `config.auth`: an existing Secret holding the auth file (JSON or YAML), under `key` (default auth.json). */
  authSecret?: { name: pulumi.Input<string>; key?: string };
  /** An existing Secret whose keys become environment variables, for `${NAME}` usernames and passwords in the auth file. */
  environmentSecret?: pulumi.Input<string>;
  /** Each pod's requests and limits. */
  resources?: pulumi.Input<k8s.types.input.core.v1.ResourceRequirements>;
  /** The pods' service account (for workload identity, say); default the namespace's default. */
  serviceAccountName?: pulumi.Input<string>;
}

/** ImageSync's `images` and `auth`, so one config serves both. */
export interface SyncScheduleConfig {
  images: ImageSyncArgs["images"];
  /** Registry credentials: put in a Secret, never in the ConfigMap or the pod spec. */
  auth?: ImageSyncArgs["auth"];
}

export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

type CommandFlags = ({ registry?: pulumi.Input<string>; namespace?: pulumi.Input<string> } & object) | undefined;

/** The checks of PodArgs: the pod's fields, then its command's flags and config. */
export function checkPodArgs(check: ArgumentChecks, source: string, args: PodArgs, flags: CommandFlags, flagSchemas: Record<string, z.ZodType>): void {
  checkPodFields(check, args);
  checkPodConfig(check, source, args, flags, flagSchemas);
}

/** Image, pull settings, namespace and accounts: what Kubernetes itself would refuse. */
export function checkPodFields(check: ArgumentChecks, args: PodArgs): void {
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
}

/** The command's flags (checked against `flagSchemas`, one schema a flag), where credentials come from, and the sync config. */
export function checkPodConfig(check: ArgumentChecks, source: string, args: PodArgs, flags: CommandFlags, flagSchemas: Record<string, z.ZodType>): void {
  checkFlags(check, flags, flagSchemas);
  checkCredentialsSource(check, args);
  checkKnownConfig(source, args, flags);
}

function checkFlags(check: ArgumentChecks, flags: object | undefined, schemas: Record<string, z.ZodType>): void {
  if (flags === undefined) return;
  if (flags === null || typeof flags !== "object") check.fail("sync", "expected an object of sync flags (proc, retries, ...)", flags);
  for (const [flag, value] of Object.entries(flags)) {
    if (!Object.hasOwn(schemas, flag)) check.fail(`sync.${flag}`, `unknown flag: expected one of ${Object.keys(schemas).join(", ")}`, value);
    check.schema(`sync.${flag}`, value, schemas[flag]);
  }
}

function checkCredentialsSource(check: ArgumentChecks, args: PodArgs): void {
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
function checkKnownConfig(source: string, args: PodArgs, flags: { registry?: pulumi.Input<string>; namespace?: pulumi.Input<string> } | undefined): void {
  const defaults = { registry: flags?.registry, namespace: flags?.namespace };
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
