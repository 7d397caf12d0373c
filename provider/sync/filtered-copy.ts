import { RegistryClient, UnsupportedManifestError } from "../clients/oci";
import { expectedImage } from "./expected-image";
import { PlatformFilter, isFilterActive } from "./platform-filter";
import { SyncTask } from "./sync-task";

/**
 * A reverse run's question about a tag both sides hold under different digests: is the
 * standby's image the forward copy of the primary's, made with a platform filter? That copy
 * writes the primary's index with only the kept platforms (filterIndex), a manifest nothing at
 * the primary names, so the digests differ while the image is the one the primary holds. It
 * is then the same image, not a conflict; anything else under the tag stays a conflict.
 *
 * `task` runs backwards (standby -> primary); `standbyDigest` is what the standby holds under
 * the tag; `copiedWith` is the platform filter the forward copy ran with.
 */
export async function isFilteredCopy(task: SyncTask, primary: RegistryClient, standbyDigest: string, copiedWith: PlatformFilter | undefined): Promise<boolean> {
  if (!isFilterActive(copiedWith) || task.destination.tag === undefined) return false;
  const forward: SyncTask = { rule: task.rule, source: task.destination, destination: task.source };
  try {
    return (await expectedImage(forward, primary, copiedWith)).digest === standbyDigest;
  } catch (error) {
    // No platform of the primary's image passes the filter: the forward copy could not have made the standby's.
    if (error instanceof UnsupportedManifestError) return false;
    throw error;
  }
}
