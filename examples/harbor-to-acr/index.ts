import * as pulumi from "@pulumi/pulumi";
import { HarborRegistry, HarborReplicationPolicy, HarborReplicationRun } from "registry-dr";

/**
 * Alibaba Cloud's "Harbor remote replication to ACR Enterprise Edition" guide as a stack:
 * step 2 (a registry endpoint, tested before it is saved), step 3 (a push rule: the Harbor
 * project's repositories, flattened one level into the ACR namespace, on every push), and
 * the "Replicate" click that copies what Harbor already holds. Harbor itself is reached
 * through the `registry-dr:harbor*` stack config.
 */
const config = new pulumi.Config();
const harborProject = config.require("harborProject");
const acrNamespace = config.get("acrNamespace") ?? harborProject;

// Step 2: the ACR Enterprise Edition instance as a "Docker Registry" endpoint, with its
// registry username and password (not a RAM AccessKey: that is the `ali-acr` type).
const acr = new HarborRegistry("acr-ee", {
  name: config.get("endpointName") ?? "acr-ee",
  description: "ACR Enterprise Edition: disaster-recovery copy",
  type: "docker-registry",
  url: config.require("acrUrl"),
  accessKey: config.require("acrUsername"),
  accessSecret: config.requireSecret("acrPassword"),
});

// Step 3: push-based, event-based, flatten 1 level (harbor-project/nginx -> acr-ns/nginx),
// no bandwidth limit. The ACR namespace must exist with "Automatically Create Repository" on.
const rule = new HarborReplicationPolicy("to-acr", {
  name: config.get("ruleName") ?? "to-acr",
  description: `${harborProject} -> ACR ${acrNamespace}`,
  direction: "push",
  remoteRegistryId: acr.registryId,
  filters: { name: `${harborProject}/**` },
  destNamespace: acrNamespace,
  flatten: 1,
  trigger: { type: "event_based" },
  speedKbps: -1,
  override: true,
  enabled: true,
});

// "Replicate": copy the images pushed before the rule existed. Bump `replicateGeneration`
// in config to run it again.
const initialRun = new HarborReplicationRun("initial-replication", {
  policyId: rule.policyId,
  triggers: { generation: config.get("replicateGeneration") ?? "1" },
  timeoutSeconds: config.getNumber("replicateTimeoutSeconds") ?? 3600,
});

export const registryId = acr.registryId;
export const policyId = rule.policyId;
export const replication = { executionId: initialRun.executionId, status: initialRun.status, total: initialRun.total, failed: initialRun.failed };
