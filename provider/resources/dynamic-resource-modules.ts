import { failoverRecordDefinition } from "./dns/failover-record-provider";
import { harborProjectDefinition } from "./harbor/harbor-project";
import { harborRegistryDefinition } from "./harbor/harbor-registry";
import { harborReplicationPolicyDefinition } from "./harbor/harbor-replication-policy";
import { harborReplicationRunDefinition } from "./harbor/harbor-replication-run";
import { harborRobotAccountDefinition } from "./harbor/harbor-robot-account";
import { harborWebhookPolicyDefinition } from "./harbor/harbor-webhook-policy";
import { imageSyncDefinition } from "./image-sync";

/**
 * Every dynamic resource: its type token and the name of its provider in the package's
 * `registry-dr/providers` entry, which the engine loads it from. State written by any release
 * names these, so they never change; tests check that each still resolves from the packed package.
 */
export interface DynamicResourceModule {
  /** `pulumi-nodejs:dynamic/<module>:<type>`. */
  token: string;
  exportName: string;
  /**
   * The package file the provider was loaded from in state written by registry-dr 0.1.0, such
   * as `dist/provider/resources/image-sync.js`. package.json `exports` maps each to the
   * providers entry, so that state still refreshes and destroys whatever files move.
   */
  modulePathIn010?: string;
}

const MODULE_PATHS_IN_0_1_0: Record<string, string> = {
  imageSyncProvider: "dist/provider/resources/image-sync.js",
  harborProjectProvider: "dist/provider/resources/harbor/harbor-project.js",
  harborRegistryProvider: "dist/provider/resources/harbor/harbor-registry.js",
  harborReplicationPolicyProvider: "dist/provider/resources/harbor/harbor-replication-policy.js",
  harborReplicationRunProvider: "dist/provider/resources/harbor/harbor-replication-run.js",
  harborRobotAccountProvider: "dist/provider/resources/harbor/harbor-robot-account.js",
  failoverRecordProvider: "dist/provider/resources/dns/failover-record.js",
};

export const dynamicResourceModules: readonly DynamicResourceModule[] = [
  imageSyncDefinition,
  harborProjectDefinition,
  harborRegistryDefinition,
  harborReplicationPolicyDefinition,
  harborReplicationRunDefinition,
  harborRobotAccountDefinition,
  harborWebhookPolicyDefinition,
  failoverRecordDefinition,
].map(({ token, exportName }) => ({ token, exportName, modulePathIn010: MODULE_PATHS_IN_0_1_0[exportName] }));
