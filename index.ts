import * as pulumi from "@pulumi/pulumi";
import { ImageSync } from "./provider/resources";
import { readStackConfig } from "./stack-config";

/**
 * This repository's own stack: the DR setup described by stack config (see README,
 * "The root stack"). Today: one ImageSync that keeps the destination copies in sync.
 */
const settings = readStackConfig(pulumi.getProject(), (key) => pulumi.runtime.getConfig(key));

const imageSync = new ImageSync("image-sync", { ...settings, auth: settings.auth && pulumi.secret(settings.auth) });

export const syncedImages = imageSync.summary.apply((summary) => summary.images);
export const syncCounts = imageSync.summary.apply((summary) => summary.counts);
