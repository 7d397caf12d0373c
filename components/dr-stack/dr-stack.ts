import * as pulumi from "@pulumi/pulumi";
import { ImageSync } from "../../provider/resources";
import type { DrPlan } from "../disaster-recovery/plan-schema";
import { RegistryDisasterRecovery } from "../registry-disaster-recovery";
import { CONFIG_NAMESPACE, readPlanConfig, readStackConfig } from "./stack-config";

/**
 * What a DR stack exports: `endpoints`, `readiness` and `activeSite` from a plan, or
 * `syncedImages` and `syncCounts` from the older keys, and only those keys (Pulumi warns about
 * every stack output left undefined, at every preview).
 */
export type DrStackOutputs = Record<string, pulumi.Output<unknown>>;

/**
 * The DR stack's program, driven by stack config alone: with `registry-dr:plan`, one
 * RegistryDisasterRecovery, so `pulumi preview` shows every endpoint, rule, copy and record of
 * the plan; without it, the older ImageSync-only keys (`registry-dr:images`, ...) as one
 * ImageSync. The `pulumi new` template's program and this repository's own stack both call it,
 * so the two cannot drift apart. The keys are `registry-dr:*` whatever the project is named,
 * as `alicloud:*` are for @pulumi/alicloud: the sample stack files and `registry-dr plan check`
 * read the same key.
 */
export function drStackFromConfig(read: (key: string) => string | undefined = pulumi.runtime.getConfig): DrStackOutputs {
  const plan = readPlanConfig(CONFIG_NAMESPACE, read);
  return plan ? fromPlan(plan) : fromImageSyncKeys(read);
}

function fromPlan(plan: DrPlan): DrStackOutputs {
  // The component marks every credential in the plan as a secret on the resources holding it.
  const dr = new RegistryDisasterRecovery("dr", plan);
  return { endpoints: dr.endpoints, readiness: dr.readiness, activeSite: dr.activeSite };
}

function fromImageSyncKeys(read: (key: string) => string | undefined): DrStackOutputs {
  const settings = readStackConfig(CONFIG_NAMESPACE, read);
  const imageSync = new ImageSync("image-sync", { ...settings, auth: settings.auth && pulumi.secret(settings.auth) });
  return { syncedImages: imageSync.summary.apply((summary) => summary.images), syncCounts: imageSync.summary.apply((summary) => summary.counts) };
}
