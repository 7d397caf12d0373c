/**
 * `registry-dr/providers`: every dynamic resource's provider, by the name Pulumi state stores.
 *
 * The shim serialized into state (provider/resources/packaged-provider.ts) loads its provider
 * from this entry by package subpath, never by file path, so moving a file changes only the
 * imports below. State written by registry-dr 0.1.0 names file paths instead
 * (`dist/provider/resources/image-sync.js`); package.json `exports` maps each of those to this
 * file too. These export names are stored in state: never rename or remove one.
 */
export {
  imageSyncProvider,
  harborProjectProvider,
  harborRegistryProvider,
  harborReplicationPolicyProvider,
  harborReplicationRunProvider,
  harborRobotAccountProvider,
  harborWebhookPolicyProvider,
  failoverRecordProvider,
} from "../provider/resources";
