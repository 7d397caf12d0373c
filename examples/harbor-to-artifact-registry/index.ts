import * as pulumi from "@pulumi/pulumi";
import { ArtifactRegistryTarget, HarborRegistry, HarborReplicationPolicy, HarborReplicationRun } from "registry-dr";

/**
 * Google's guide to replicating Harbor into Container Registry, brought up to date: the target
 * is an Artifact Registry repository (Container Registry no longer takes writes), the service
 * account may write to that repository only (the guide grants Storage Admin on the project),
 * and the steps are one reviewed stack:
 * - the repository, a service account with roles/artifactregistry.writer on it, and its key,
 * - a Harbor endpoint of type Google GCR logging in as `_json_key` with that key,
 * - a push rule on `<harborProject>/**`, images only, on every push, deletions and overwrites
 *   replicated, every sub-directory dropped (library/private/nginx -> <project>/<repository>/nginx),
 * - the "Replicate" click that copies what Harbor already holds.
 */
const config = new pulumi.Config();
const harborProject = config.require("harborProject");
const project = config.get("project") ?? new pulumi.Config("gcp").require("project");

const target = new ArtifactRegistryTarget("dr", {
  project,
  repositoryId: config.get("repositoryId") ?? "dr-images",
  location: config.get("location") ?? "europe-west4",
  immutableTags: config.getBoolean("immutableTags"),
});

const endpoint = new HarborRegistry("artifact-registry", {
  name: config.get("endpointName") ?? "artifact-registry",
  description: "Google Artifact Registry: disaster-recovery copy",
  type: "google-gcr",
  url: target.registryHost.apply((host) => `https://${host}`),
  accessKey: "_json_key",
  accessSecret: target.serviceAccountKey.apply((key) => {
    if (key === undefined) throw new Error("ArtifactRegistryTarget made no key: the Harbor endpoint needs one");
    return key;
  }),
});

const rule = new HarborReplicationPolicy("to-artifact-registry", {
  name: config.get("ruleName") ?? "to-artifact-registry",
  description: pulumi.interpolate`${harborProject} -> ${target.registryHost}/${target.repositoryPath}`,
  direction: "push",
  remoteRegistryId: endpoint.registryId,
  filters: { name: `${harborProject}/**`, resource: "image" },
  destNamespace: target.harborDestNamespace,
  // Checked at preview: the namespace must start with the project (Harbor's google-gcr adapter pushes <namespace>/<repository>).
  googleProject: project,
  flatten: -1,
  trigger: { type: "event_based" },
  replicateDeletion: true,
  override: true,
  enabled: true,
});

// "Replicate": copy the images pushed before the rule existed. Bump `replicateGeneration` to run it again.
const initialRun = new HarborReplicationRun("initial-replication", {
  policyId: rule.policyId,
  triggers: { generation: config.get("replicateGeneration") ?? "1" },
  timeoutSeconds: config.getNumber("replicateTimeoutSeconds") ?? 3600,
});

export const registryHost = target.registryHost;
export const repositoryPath = target.repositoryPath;
export const serviceAccountEmail = target.serviceAccountEmail;
export const policyId = rule.policyId;
/** Where a sample repository lands after Harbor drops its sub-directories. */
export const flattenExample = rule.flattenExample;
export const replication = { executionId: initialRun.executionId, status: initialRun.status, total: initialRun.total, failed: initialRun.failed };
