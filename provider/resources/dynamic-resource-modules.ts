import { failoverRecordDefinition } from "./dns/failover-record-provider";
import { harborProjectDefinition } from "./harbor/harbor-project";
import { harborRegistryDefinition } from "./harbor/harbor-registry";
import { harborReplicationPolicyDefinition } from "./harbor/harbor-replication-policy";
import { harborReplicationRunDefinition } from "./harbor/harbor-replication-run";
import { harborRobotAccountDefinition } from "./harbor/harbor-robot-account";
import { imageSyncDefinition } from "./image-sync";

/**
 * Every dynamic resource: its type token, and the module of the installed package and the
 * export the engine loads its provider from. State written by any release names these, so
 * they never change; tests check that each still resolves from the built package.
 */
export interface DynamicResourceModule {
  /** `pulumi-nodejs:dynamic/<module>:<type>`. */
  token: string;
  /** Relative to the package root, such as `dist/provider/resources/image-sync.js`. */
  modulePath: string;
  exportName: string;
}

export const dynamicResourceModules: readonly DynamicResourceModule[] = [
  imageSyncDefinition,
  harborProjectDefinition,
  harborRegistryDefinition,
  harborReplicationPolicyDefinition,
  harborReplicationRunDefinition,
  harborRobotAccountDefinition,
  failoverRecordDefinition,
].map(({ token, modulePath, exportName }) => ({ token, modulePath, exportName }));
