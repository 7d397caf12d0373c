import * as pulumi from "@pulumi/pulumi";
import { SyncSchedule } from "registry-dr";

/**
 * Harbor to ACR Enterprise Edition on a schedule, in a Kubernetes cluster: what Alibaba
 * Cloud's image-syncer guide runs from a cron job on one machine, as a CronJob whose every run
 * is N pods, each copying one shard of the repositories. The Harbor robot's password and the
 * ACR RAM key go into a Kubernetes Secret; the images into a ConfigMap. The cluster is the
 * kubeconfig's current one (or the `kubernetes:*` config).
 */
const config = new pulumi.Config();
const harborHost = config.require("harborHost");
const harborUsername = config.require("harborUsername");
const acrRegistry = config.require("acrRegistry");
// The ACR instance and a RAM key allowed to push into the namespace (AcrEnterpriseTarget's syncAuth has this shape).
const acrAuth = config.requireSecretObject<{ instanceId: string; region: string; accessKeyId: string; accessKeySecret: string }>("acrAuth");

const schedule = new SyncSchedule("registry-dr", {
  image: config.require("image"),
  schedule: config.get("schedule") ?? "0 * * * *",
  timeZone: config.get("timeZone"),
  shards: config.getNumber("shards") ?? 1,
  namespace: config.get("namespace"),
  config: {
    images: config.requireObject<Record<string, string | string[]>>("images"),
    auth: pulumi.all([config.requireSecret("harborPassword"), acrAuth]).apply(([password, alicloud]) => ({
      [harborHost]: { username: harborUsername, password },
      [acrRegistry]: { alicloud },
    })),
  },
  sync: { proc: config.getNumber("proc") ?? 5, retries: 3, timeoutSeconds: 3 * 3600 },
  // A run stuck past this is stopped, so the next one (never overlapping: Forbid) can start.
  activeDeadlineSeconds: 4 * 3600,
});

export const cronJobName = schedule.cronJobName;
export const namespace = schedule.namespace;
