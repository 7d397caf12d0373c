/**
 * `registry-dr/engine`: the sync engine alone (copy, verify, readiness), as the command runs it.
 * It never loads @pulumi/pulumi, whose start-up costs about a second: keep Pulumi out of every
 * module this file reaches.
 */
export { runSync, runVerify, runReverseSync, reverseSyncJob } from "../provider/sync";
export { checkSiteReadiness } from "../provider/failover";
export type { SiteReadiness } from "../provider/failover";
export type {
  SyncJob,
  SyncOptions,
  ReverseOptions,
  SyncReport,
  ReadinessReport,
  ReadinessRow,
  Readiness,
  DestinationDefaults,
  PlatformFilter,
  Shard,
  MinTransferRate,
  SyncEvent,
  SyncEventListener,
  ImageResult,
  ImageStatus,
  BlobOutcome,
} from "../provider/sync";

// What users write (the command's JSON/YAML config), and its schema to check it before a run.
export { syncConfigSchema } from "../provider/sync";
export type { SyncConfig, AuthEntry, AuthMap, ImagesMap } from "../provider/sync";

// Errors a caller can tell apart: bad input, a remote's answer, a registry's, a cancelled run.
export { ConfigError } from "../provider/validation";
export type { ConfigIssue } from "../provider/validation";
export { ShardError, TransferStalledError } from "../provider/sync";
export { HttpError, AbortedError } from "../provider/clients/http";
export { RegistryError } from "../provider/clients/oci";
