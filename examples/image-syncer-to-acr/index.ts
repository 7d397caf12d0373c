import * as pulumi from "@pulumi/pulumi";
import { ImageSync } from "registry-dr";

/**
 * Alibaba Cloud's "Harbor to ACR with image-syncer" guide as a stack: every repository
 * listed in config is copied from Harbor into one ACR namespace, keeping its last path
 * component (library/nginx -> <acrRegistry>/<acrNamespace>/nginx), all tags.
 */
const config = new pulumi.Config();
const harborHost = config.require("harborHost");
const acrRegistry = config.require("acrRegistry");
const repositories = config.requireObject<string[]>("repositories");

const harborToAcr = new ImageSync("harbor-to-acr", {
  auth: {
    [harborHost]: {
      username: config.require("harborUsername"),
      password: config.requireSecret("harborPassword"),
      insecure: config.getBoolean("harborInsecure") ?? false,
    },
    [acrRegistry]: {
      username: config.require("acrUsername"),
      password: config.requireSecret("acrPassword"),
    },
  },
  images: Object.fromEntries(repositories.map((repository) => [`${harborHost}/${repository}`, ""])),
  registry: acrRegistry,
  namespace: config.get("acrNamespace") ?? "image-syncer",
  proc: 10,
  retries: 10,
});

export const copies = harborToAcr.summary.apply((summary) => summary.images);
export const counts = harborToAcr.summary.apply((summary) => summary.counts);
