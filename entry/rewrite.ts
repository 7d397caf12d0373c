/**
 * `registry-dr/rewrite`: image references in manifests and Helm values mapped through a sync's
 * rules, as `registry-dr rewrite` does. No Pulumi; it loads the YAML document API, which is why
 * it is not part of the engine's entry.
 */
export { mapperFromJob, rewriteReferences } from "../provider/rewrite";
export type { ReferenceMapper, ReferenceChange, RewriteResult } from "../provider/rewrite";
export type { SyncJob } from "../provider/sync";
