import { parseReference } from "../clients/oci";
import { mapConcurrent } from "./concurrency";
import { RegistryPool } from "./registry-pool";
import { accessFromAuthMap } from "./registry-credentials";
import { SyncJob } from "./sync-job";

/**
 * Deletes copies this tool made, by digest. Only on explicit request: DR copies are
 * retained by default, because the day they are needed may be the day their source is gone.
 */
export async function removeImages(job: Pick<SyncJob, "auth">, images: { destination: string; digest: string }[]): Promise<string[]> {
  const pool = new RegistryPool(accessFromAuthMap(job.auth));
  try {
    const outcomes = await mapConcurrent(images, 8, async ({ destination, digest }) => {
      const ref = parseReference(destination);
      try {
        await pool.client(ref).deleteManifest(ref.repository, digest);
        return undefined;
      } catch (error) {
        return `${destination}@${digest}: ${(error as Error).message}`;
      }
    });
    return outcomes.filter((outcome): outcome is string => outcome !== undefined);
  } finally {
    await pool.close();
  }
}
