/**
 * `registry-dr`: everything a Pulumi program uses, `import { ImageSync, runSync } from "registry-dr"`.
 * The Pulumi-free parts have entries of their own (`registry-dr/engine`, `registry-dr/rewrite`,
 * `registry-dr/failover`) that skip loading @pulumi/pulumi.
 * (The repository's root index.ts is its own stack's program, not the package.)
 */

// Dynamic resources.
export {
  ImageSync,
  HarborProject,
  HarborRegistry,
  HarborReplicationPolicy,
  HarborReplicationRun,
  HarborRobotAccount,
  HarborWebhookPolicy,
  FailoverRecord,
} from "../provider/resources";
export type {
  ImageSyncArgs,
  AuthEntryArgs,
  ImageSyncSummary,
  SummaryImage,
  HarborConnectionArgs,
  HarborProjectArgs,
  HarborRegistryArgs,
  HarborAdapterType,
  HarborReplicationPolicyArgs,
  HarborReplicationRunArgs,
  HarborRobotAccountArgs,
  HarborWebhookPolicyArgs,
  FailoverRecordArgs,
  FailoverSiteArgs,
  Rfc2136Args,
  CloudDnsArgs,
  AlicloudCredentialsArgs,
} from "../provider/resources";

// Components.
export {
  AcrEnterpriseTarget,
  PrivateZoneFailover,
  DataCenterFailover,
  ArtifactRegistryTarget,
  CloudDnsFailover,
  SyncSchedule,
  SyncWatcher,
  RegistryDisasterRecovery,
} from "../components";

// A DR stack driven by stack config (the `pulumi new` template's program): the whole program, and its config readers.
export { drStackFromConfig, readPlanConfig, readStackConfig, CONFIG_NAMESPACE } from "../components";
export type { DrStackOutputs, ConfigReader } from "../components";
export type {
  AcrEnterpriseTargetArgs,
  AcrSyncAuth,
  PrivateZoneFailoverArgs,
  PrivateZoneVpcArgs,
  DataCenterFailoverArgs,
  ArtifactRegistryTargetArgs,
  GoogleHarborEndpoint,
  GoogleSyncAuth,
  CloudDnsFailoverArgs,
  SyncScheduleArgs,
  SyncScheduleConfig,
  SyncFlags,
  SyncWatcherArgs,
  WatchFlags,
  RegistryDisasterRecoveryArgs,
  PrimaryArgs,
  DisasterRecoverySiteArgs,
  DirectReplicationArgs,
  HarborReplicationArgs,
  DisasterRecoveryFailoverArgs,
  DisasterRecoveryWatchArgs,
  SiteReadinessSummary,
  RepositorySelection,
  PlainRegistryArgs,
  SiteTargetArgs,
  AcrAccountArgs,
} from "../components";

// The engine and the reference rewriter, for programs that also copy or check in code.
export * from "./engine";
export * from "./rewrite";
export * from "./failover";
