import * as pulumi from "@pulumi/pulumi";
import { RegistryDisasterRecovery } from "./components/registry-disaster-recovery";
import { ImageSync } from "./provider/resources";
import { readPlanConfig, readStackConfig } from "./stack-config";
import type { DrPlan } from "./components/disaster-recovery/plan-schema";

/**
 * This repository's own stack: the DR setup described by stack config (see README, "The root
 * stack as a DR plan"). With `registry-dr:plan`: a RegistryDisasterRecovery, so `pulumi
 * preview` shows every endpoint, rule, copy and record of the plan. Without it: the older
 * ImageSync-only keys (`registry-dr:images`, ...), one ImageSync.
 */
const read = (key: string) => pulumi.runtime.getConfig(key);
const plan = readPlanConfig(pulumi.getProject(), read);

function fromPlan(plan: DrPlan): Record<string, pulumi.Output<unknown>> {
  // The component marks every credential in the plan as a secret on the resources holding it.
  const dr = new RegistryDisasterRecovery("dr", plan);
  return { endpoints: dr.endpoints, readiness: dr.readiness, activeSite: dr.activeSite };
}

function fromImageSyncKeys(): Record<string, pulumi.Output<unknown>> {
  const settings = readStackConfig(pulumi.getProject(), read);
  const imageSync = new ImageSync("image-sync", { ...settings, auth: settings.auth && pulumi.secret(settings.auth) });
  return { syncedImages: imageSync.summary.apply((summary) => summary.images), syncCounts: imageSync.summary.apply((summary) => summary.counts) };
}

const outputs = plan ? fromPlan(plan) : fromImageSyncKeys();

export const endpoints = outputs.endpoints;
export const readiness = outputs.readiness;
export const activeSite = outputs.activeSite;
export const syncedImages = outputs.syncedImages;
export const syncCounts = outputs.syncCounts;
