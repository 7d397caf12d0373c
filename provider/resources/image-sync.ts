import type * as pulumi from "@pulumi/pulumi";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { rememberAlicloudConfig } from "../clients/alicloud";
import { AuthMap, ImagesMap, ReadinessRow, SyncEvent, SyncJob, SyncOptions, SyncReport, authMapSchema, compileJob, describePlan, describeResult, imagesMapSchema, parsePlatformSelector, parseShard, removeImages, runSync, runVerify } from "../sync";
import { defineDynamicResource } from "./define-dynamic-resource";
import { toStateValue } from "./state-value";

/**
 * ImageSync: image-syncer's job as a Pulumi resource. `pulumi up` copies the images,
 * `pulumi preview` shows a pending copy when a destination is stale, `pulumi refresh`
 * reads the destinations back. Registry passwords are secrets end to end: the inputs are
 * wrapped as secrets and the `auth` output is a secret output.
 */

/** A function, not a constant: each call gets a fresh schema. */
export const imageSyncInputsSchema = () => z.strictObject({
  auth: authMapSchema().optional(),
  images: imagesMapSchema(),
  registry: z.string({ error: "expected the default destination registry host" }).min(1).optional(),
  namespace: z.string({ error: "expected the default destination namespace" }).min(1).optional(),
  proc: z.number({ error: "expected a whole number of at least 1" }).int().min(1, { error: "expected at least 1" }).optional(),
  retries: z.number({ error: "expected a whole number of at least 0" }).int().min(0, { error: "expected at least 0" }).optional(),
  os: z.array(platformSelectorSchema("os"), { error: "expected a list of OS selectors (linux, windows:10.0.17763.1999)" }).optional(),
  arch: z.array(platformSelectorSchema("arch"), { error: "expected a list of architecture selectors (amd64, arm64, arm:v7)" }).optional(),
  force: z.boolean({ error: "expected true or false" }).optional(),
  repair: z.boolean({ error: "expected true or false" }).optional(),
  referrers: z.boolean({ error: "expected true or false" }).optional(),
  shard: z.string({ error: "expected i/N, such as 0/3" }).regex(/^\d{1,4}\/\d{1,4}$/, { error: "expected i/N, such as 0/3" }).refine((text) => { const [i, n] = text.split("/").map(Number); return n >= 1 && i < n; }, { error: "expected i/N with N at least 1 and i from 0 to N-1" }).optional(),
  retainOnDelete: z.boolean({ error: "expected true or false" }).optional(),
  timeoutSeconds: z.number({ error: "expected a number of seconds" }).int().min(1, { error: "expected at least 1 second" }).optional(),
  maxRequestsPerSecond: z.number({ error: "expected requests per second, such as 20" }).positive({ error: "expected a number above zero" }).optional(),
});

/** image-syncer's `os[:osversion]` / `arch[:variant]`, checked here so a typo fails the preview, not the copy. */
function platformSelectorSchema(kind: "os" | "arch") {
  return z.string({ error: `expected an ${kind} selector string` }).superRefine((text, context) => {
    try {
      parsePlatformSelector(kind, text);
    } catch (error) {
      context.addIssue({ code: "custom", message: (error as Error).message });
    }
  });
}

export type ImageSyncInputs = z.infer<ReturnType<typeof imageSyncInputsSchema>>;

/** Where each destination image stands, as of the last sync or refresh. */
export interface ImageSyncSummary {
  /** Bumped when this shape changes; state written by older releases stays readable. */
  schemaVersion: 1;
  syncedAt: string;
  counts: { synced: number; skipped: number; failed: number };
  images: SummaryImage[];
}

export interface SummaryImage {
  source: string;
  destination: string;
  digest?: string;
  status: ReadinessRow["status"] | "synced" | "skipped" | "failed";
  /** While the copy is not there as the source has it: when that was first seen (ISO 8601), kept across refreshes. */
  missingSince?: string;
}

export interface ImageSyncOutputs extends ImageSyncInputs {
  summary: ImageSyncSummary;
}

/** How long `diff` may spend checking destinations during a preview. */
const DIFF_DEADLINE_MS = 30_000;
const DEFAULT_TIMEOUT_S = 3600;

export const imageSyncDefinition = defineDynamicResource<ImageSyncArgs, ImageSyncOutputs>()({
  module: "registry-dr",
  type: "ImageSync",
  schema: imageSyncInputsSchema,
  outputs: ["summary"],
  secretInputs: ["auth"],
  secretOutputs: ["auth"],
  /** `alicloud:*` config: the RAM key behind `alicloud` auth entries that name none. */
  configure: rememberAlicloudConfig,
  check: (inputs) => void compileJob(toJob(inputs)),
  /** Inputs unchanged: a destination that lost or changed an image is still a pending copy. */
  async alsoChanged(_olds, news) {
    const stale = await staleImages(news);
    for (const line of stale) console.log(`stale   ${line}`);
    return stale.length > 0;
  },

  async create(news) {
    const id = `imagesync-${randomUUID()}`;
    return { id, outs: await sync(id, news) };
  },

  async update(id, olds, news) {
    return sync(id, news, olds.summary?.images);
  },

  async read(id, props) {
    if (!props.images) return { id, props };
    const report = await runVerify(toJob(props as ImageSyncInputs), { signal: AbortSignal.timeout(DIFF_DEADLINE_MS) });
    const previous = upgradeSummary(props.summary).images;
    const images = withMissingSince(report.rows.map((row) => ({ source: row.source, destination: row.destination, digest: row.destinationDigest, status: row.status })), previous);
    return { id, props: { ...props, summary: { ...upgradeSummary(props.summary), images } } };
  },

  async delete(_id, props) {
    if (props.retainOnDelete !== false) return;
    const copies = (props.summary?.images ?? []).filter((image): image is { source: string; destination: string; digest: string; status: ImageSyncSummary["images"][number]["status"] } => Boolean(image.digest));
    const failures = await removeImages(props, copies);
    if (failures.length) throw new Error(`could not delete ${failures.length} destination image(s):\n${failures.join("\n")}`);
  },
});

/** The provider the engine loads by this name (see packaged-provider.ts); state names it. */
export const imageSyncProvider = imageSyncDefinition.provider;

function toJob(inputs: ImageSyncInputs): SyncJob {
  return { images: inputs.images as ImagesMap, auth: inputs.auth as AuthMap | undefined, defaults: { registry: inputs.registry, namespace: inputs.namespace } };
}

function toOptions(inputs: ImageSyncInputs, onEvent?: (event: SyncEvent) => void): SyncOptions {
  return {
    proc: inputs.proc,
    retries: inputs.retries,
    force: inputs.force,
    repair: inputs.repair,
    referrers: inputs.referrers,
    shard: inputs.shard === undefined ? undefined : parseShard(inputs.shard),
    // A preview looks for missing content only when an update would repair it.
    shallow: !inputs.repair,
    platforms: { os: inputs.os ?? [], arch: inputs.arch ?? [] },
    signal: AbortSignal.timeout((inputs.timeoutSeconds ?? DEFAULT_TIMEOUT_S) * 1000),
    onEvent,
    ...(inputs.maxRequestsPerSecond ? { transport: { maxRequestsPerSecond: inputs.maxRequestsPerSecond } } : {}),
  };
}

/** Runs the sync, printing a line per image (the host's output shows in `pulumi up`). */
async function sync(id: string, inputs: ImageSyncInputs, previous?: SummaryImage[]): Promise<ImageSyncOutputs> {
  const report = await runSync(toJob(inputs), toOptions(inputs, printProgress));
  const outs = toStateValue<ImageSyncOutputs>({ ...inputs, summary: summarize(report, previous) });
  const failed = report.results.filter((result) => result.status === "failed");
  if (failed.length > 0) {
    // Carrying id and properties keeps the resource in state with what did get copied.
    throw Object.assign(new Error(`${failed.length} of ${report.results.length} image(s) failed to sync:\n${failed.map((result) => `  ${result.source} -> ${result.destination}: ${result.error}`).join("\n")}`), {
      id,
      properties: outs,
      reasons: failed.map((result) => `${result.source} -> ${result.destination}: ${result.error}`),
    });
  }
  return outs;
}

function printProgress(event: SyncEvent): void {
  if (event.type === "image-finished") console.log(describeResult(event.result));
  else if (event.type === "planned") console.log(describePlan(event.images, event.failed ?? 0));
  else if (event.type === "round") console.log(`retrying ${event.images} image(s) (round ${event.round})`);
  else if (event.type === "warning") console.log(`warning ${event.message}`);
}

function summarize(report: SyncReport, previous: SummaryImage[] = []): ImageSyncSummary {
  return {
    schemaVersion: 1,
    syncedAt: new Date().toISOString(),
    counts: report.counts,
    images: withMissingSince(report.results.map((result) => ({ source: result.source, destination: result.destination, digest: result.digest, status: result.status })), previous),
  };
}

const HELD: readonly SummaryImage["status"][] = ["present", "synced", "skipped"];

/**
 * Each image the destination does not hold as the source has it carries when that was first
 * seen (from the previous summary, else now): the age of the oldest is how far the copy lags,
 * a recovery-point figure that a refresh keeps rather than restarts.
 */
export function withMissingSince(images: SummaryImage[], previous: SummaryImage[], now = new Date().toISOString()): SummaryImage[] {
  const since = new Map(previous.filter((image) => image.missingSince).map((image) => [image.destination, image.missingSince!]));
  return images.map((image) => (HELD.includes(image.status) ? image : { ...image, missingSince: since.get(image.destination) ?? now }));
}

/** Summaries from older releases (none yet) are upgraded here, so refresh never fails on old state. */
export function upgradeSummary(summary: Partial<ImageSyncSummary> | undefined): ImageSyncSummary {
  return { schemaVersion: 1, syncedAt: summary?.syncedAt ?? "", counts: summary?.counts ?? { synced: 0, skipped: 0, failed: 0 }, images: summary?.images ?? [] };
}

async function staleImages(inputs: ImageSyncInputs): Promise<string[]> {
  const options = { ...toOptions(inputs), signal: AbortSignal.timeout(DIFF_DEADLINE_MS) };
  try {
    const report = await runVerify(toJob(inputs), options);
    return report.rows.filter((row) => row.status !== "present").map((row) => `${row.source} -> ${row.destination}: ${row.status}${row.error ? ` (${row.error})` : ""}`);
  } catch (error) {
    return [`the destinations could not be checked: ${(error as Error).message}`];
  }
}

/** Credentials for one registry (or registry/namespace): one of username/password, token, alicloud, google. */
export interface AuthEntryArgs {
  username?: pulumi.Input<string>;
  password?: pulumi.Input<string>;
  token?: pulumi.Input<string>;
  /** An OAuth2 refresh token (docker's `identitytoken`), exchanged at the registry's token realm. */
  identityToken?: pulumi.Input<string>;
  /** An ACR Enterprise instance: temporary logins from a RAM key (default: `alicloud:*` config, then ALICLOUD_* variables). */
  alicloud?: pulumi.Input<{
    instanceId: pulumi.Input<string>;
    region: pulumi.Input<string>;
    accessKeyId?: pulumi.Input<string>;
    accessKeySecret?: pulumi.Input<string>;
    securityToken?: pulumi.Input<string>;
    endpoint?: pulumi.Input<string>;
  }>;
  /**
   * Google Artifact Registry (or gcr.io): logins as oauth2accesstoken with access tokens minted from this service-account key
   * (its JSON text; or, read where the sync runs, the path of its file), renewed however long the copy runs.
   */
  google?: pulumi.Input<{ serviceAccountKey?: pulumi.Input<string>; serviceAccountKeyFile?: pulumi.Input<string> }>;
  insecure?: pulumi.Input<boolean>;
}

export interface ImageSyncArgs {
  /** Registry (or registry/namespace) -> credentials; the whole map is stored as a secret. */
  auth?: pulumi.Input<Record<string, pulumi.Input<AuthEntryArgs>>>;
  /** Source -> destination or list of destinations, as image-syncer's `images`. */
  images: pulumi.Input<Record<string, pulumi.Input<string | pulumi.Input<string>[]>>>;
  registry?: pulumi.Input<string>;
  namespace?: pulumi.Input<string>;
  proc?: pulumi.Input<number>;
  retries?: pulumi.Input<number>;
  os?: pulumi.Input<pulumi.Input<string>[]>;
  arch?: pulumi.Input<pulumi.Input<string>[]>;
  force?: pulumi.Input<boolean>;
  /** Check every child manifest and blob under up-to-date tags and re-copy what is missing. */
  repair?: pulumi.Input<boolean>;
  /** Copy cosign signatures and OCI referrers with each image (default true). */
  referrers?: pulumi.Input<boolean>;
  /** This resource's part of the job, "i/N": N stacks (or N runs) together copy it once. */
  shard?: pulumi.Input<string>;
  /** Keep destination images when the resource is deleted (default true). */
  retainOnDelete?: pulumi.Input<boolean>;
  /** Deadline for one sync (default 3600). Pulumi's customTimeouts do not reach dynamic providers. */
  timeoutSeconds?: pulumi.Input<number>;
  /** At most this many requests a second to each registry (Artifact Registry's per-project quotas); 429 and Retry-After are honoured anyway. */
  maxRequestsPerSecond?: pulumi.Input<number>;
}

/** image-syncer's job as a resource; see the top of this file. */
export class ImageSync extends imageSyncDefinition.Resource {}
