import type * as pulumi from "@pulumi/pulumi";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { rememberAlicloudConfig } from "../clients/alicloud";
import {
  AuthMap,
  ImagesMap,
  ReadinessRow,
  RunSettings,
  SyncEvent,
  SyncJob,
  SyncOptions,
  SyncReport,
  authMapSchema,
  compileJob,
  describePlan,
  describeResult,
  imagesMapSchema,
  removeImages,
  reverseSyncJob,
  runReverseSync,
  runSettingFields,
  runSync,
  runVerify,
  syncOptionsOf,
} from "../sync";
import { defineDynamicResource } from "./define-dynamic-resource";
import { previewCheckSignal, previewChecksEnabled } from "./preview-checks";
import { toStateValue } from "./state-value";
import { ConfigError, ConfigIssue } from "../validation";

/**
 * ImageSync: image-syncer's job as a Pulumi resource. `pulumi up` copies the images,
 * `pulumi preview` shows a pending copy when a destination is stale, `pulumi refresh`
 * reads the destinations back. Registry passwords are secrets end to end: the inputs are
 * wrapped as secrets and the `auth` output is a secret output.
 */

/** The run settings a resource takes: all but the transfer floor, which stays the engine's default. */
const RESOURCE_SETTINGS = ["proc", "retries", "os", "arch", "force", "repair", "referrers", "shard", "timeoutSeconds", "maxRequestsPerSecond"] as const;

/** A function, not a constant: each call gets a fresh schema. */
export const imageSyncInputsSchema = () =>
  z.strictObject({
    auth: authMapSchema().optional(),
    images: imagesMapSchema(),
    registry: z.string({ error: "expected the default destination registry host" }).min(1).optional(),
    namespace: z.string({ error: "expected the default destination namespace" }).min(1).optional(),
    ...runSettingFields(RESOURCE_SETTINGS),
    retainOnDelete: z.boolean({ error: "expected true or false" }).optional(),
    reverse: z.boolean({ error: "expected true or false" }).optional(),
  });

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

/** How long `pulumi refresh` may spend reading the destinations back. */
const READ_DEADLINE_MS = 30_000;

export const imageSyncDefinition = defineDynamicResource<ImageSyncArgs, ImageSyncOutputs>()({
  module: "registry-dr",
  type: "ImageSync",
  schema: imageSyncInputsSchema,
  outputs: ["summary"],
  secretInputs: ["auth"],
  secretOutputs: ["auth"],
  /** `alicloud:*` config: the RAM key behind `alicloud` auth entries that name none. */
  configure: rememberAlicloudConfig,
  check: (inputs) => {
    checkReverse(inputs);
    compileJob(toJob(inputs));
  },
  /** Inputs unchanged: a destination that lost or changed an image is still a pending copy; one that could not be checked is not. */
  async alsoChanged(_olds, news) {
    const stale = await staleImages(news, "stale  ");
    return stale > 0;
  },
  /** Inputs changed: which images the update would copy. */
  async describeChange(_olds, news) {
    await staleImages(news, "would copy");
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
    // With os/arch the copies are indexes of the kept platforms: compared as the copy made them.
    const platforms = { os: props.os ?? [], arch: props.arch ?? [] };
    const report = await runVerify(toJob(props as ImageSyncInputs), { signal: AbortSignal.timeout(READ_DEADLINE_MS), copyBack: props.reverse, platforms });
    const previous = upgradeSummary(props.summary).images;
    const images = withMissingSince(
      report.rows.map((row) => ({ source: row.source, destination: row.destination, digest: row.destinationDigest, status: row.status })),
      previous,
    );
    return { id, props: { ...props, summary: { ...upgradeSummary(props.summary), images } } };
  },

  async delete(_id, props) {
    if (props.retainOnDelete !== false || props.reverse) return;
    const copies = (props.summary?.images ?? []).filter(
      (image): image is { source: string; destination: string; digest: string; status: ImageSyncSummary["images"][number]["status"] } => Boolean(image.digest),
    );
    const failures = await removeImages(props, copies);
    if (failures.length) throw new Error(`could not delete ${failures.length} destination image(s):\n${failures.join("\n")}`);
  },
});

/** The provider the engine loads by this name (see packaged-provider.ts); state names it. */
export const imageSyncProvider = imageSyncDefinition.provider;

/** The job as written; with `reverse`, run from the destinations back to the sources (reverse-job.ts). */
function toJob(inputs: ImageSyncInputs): SyncJob {
  return inputs.reverse ? reverseSyncJob(forwardJob(inputs)) : forwardJob(inputs);
}

function forwardJob(inputs: ImageSyncInputs): SyncJob {
  return { images: inputs.images as ImagesMap, auth: inputs.auth as AuthMap | undefined, defaults: { registry: inputs.registry, namespace: inputs.namespace } };
}

/** A reverse copy writes into the sources: nothing that would overwrite or delete their tags goes with it. */
function checkReverse(inputs: ImageSyncInputs): void {
  if (!inputs.reverse) return;
  const issues: ConfigIssue[] = [];
  for (const name of ["force", "repair"] as const)
    if (inputs[name]) issues.push({ path: [name], message: `expected no ${name} with reverse: a reverse copy never overwrites a tag the source holds` });
  if (inputs.retainOnDelete === false)
    issues.push({ path: ["retainOnDelete"], message: "expected no retainOnDelete: false with reverse: its copies are the sources' own images, never deleted" });
  if (issues.length > 0) throw new ConfigError(issues);
}

function toOptions(inputs: ImageSyncInputs, onEvent?: (event: SyncEvent) => void): SyncOptions {
  // A preview looks for missing content only when an update would repair it.
  return { ...syncOptionsOf(inputs, { surface: "pulumi", onEvent, shallow: !inputs.repair }), copyBack: inputs.reverse };
}

/** Runs the sync, printing a line per image (the host's output shows in `pulumi up`). */
async function sync(id: string, inputs: ImageSyncInputs, previous?: SummaryImage[]): Promise<ImageSyncOutputs> {
  const options = toOptions(inputs, printProgress);
  const report = await (inputs.reverse ? runReverseSync(forwardJob(inputs), options) : runSync(forwardJob(inputs), options));
  const outs = toStateValue<ImageSyncOutputs>({ ...inputs, summary: summarize(report, previous) });
  const failed = report.results.filter((result) => result.status === "failed");
  if (failed.length > 0) {
    // Carrying id and properties keeps the resource in state with what did get copied.
    throw Object.assign(
      new Error(
        `${failed.length} of ${report.results.length} image(s) failed to sync:\n${failed.map((result) => `  ${result.source} -> ${result.destination}: ${result.error}`).join("\n")}`,
      ),
      {
        id,
        properties: outs,
        reasons: failed.map((result) => `${result.source} -> ${result.destination}: ${result.error}`),
      },
    );
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
    images: withMissingSince(
      report.results.map((result) => ({ source: result.source, destination: result.destination, digest: result.digest, status: result.status })),
      previous,
    ),
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
  return {
    schemaVersion: 1,
    syncedAt: summary?.syncedAt ?? "",
    counts: summary?.counts ?? { synced: 0, skipped: 0, failed: 0 },
    images: summary?.images ?? [],
  };
}

/**
 * Prints each image a destination does not hold as the source has it, and returns how many.
 * Within the preview's bound and opt-out (preview-checks.ts); destinations that could not be
 * checked are said to be so and count as none.
 */
async function staleImages(inputs: ImageSyncInputs, label: string): Promise<number> {
  if (!previewChecksEnabled()) return 0;
  try {
    const report = await runVerify(toJob(inputs), { ...toOptions(inputs), signal: previewCheckSignal() });
    const line = (row: ReadinessRow) => `${row.source} -> ${row.destination}: ${row.status}${row.error ? ` (${row.error})` : ""}`;
    const stale = report.rows.filter((row) => row.status !== "present" && row.status !== "error");
    for (const row of stale) console.log(`${label} ${line(row)}`);
    for (const row of report.rows.filter((row) => row.status === "error")) console.log(`warning could not check ${line(row)}: not counted as a pending copy`);
    return stale.length;
  } catch (error) {
    console.log(`warning the destinations could not be checked, so this preview shows no pending copy for them: ${(error as Error).message}`);
    return 0;
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

export interface ImageSyncArgs extends ImageSyncRunArgs {
  /** Registry (or registry/namespace) -> credentials; the whole map is stored as a secret. */
  auth?: pulumi.Input<Record<string, pulumi.Input<AuthEntryArgs>>>;
  /** Source -> destination or list of destinations, as image-syncer's `images`. */
  images: pulumi.Input<Record<string, pulumi.Input<string | pulumi.Input<string>[]>>>;
  registry?: pulumi.Input<string>;
  namespace?: pulumi.Input<string>;
  /** Keep destination images when the resource is deleted (default true). */
  retainOnDelete?: pulumi.Input<boolean>;
  /**
   * Copy from the destinations back to the sources, for the time the standby serves: every tag
   * of each destination repository goes to its source repository. A tag both hold as different
   * images is a conflict: reported, kept on both sides, and the update fails until it is settled.
   */
  reverse?: pulumi.Input<boolean>;
}

/** The run settings as resource inputs, each documented once in RunSettings. */
export type ImageSyncRunArgs = {
  [K in keyof Pick<RunSettings, (typeof RESOURCE_SETTINGS)[number]>]?: NonNullable<RunSettings[K]> extends (infer E)[]
    ? pulumi.Input<pulumi.Input<E>[]>
    : pulumi.Input<NonNullable<RunSettings[K]>>;
};

/** image-syncer's job as a resource; see the top of this file. */
export class ImageSync extends imageSyncDefinition.Resource {}
