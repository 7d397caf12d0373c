import { mapConcurrent } from "./concurrency";
import { expectedImage } from "./expected-image";
import { PlatformFilter } from "./platform-filter";
import { RegistryPool } from "./registry-pool";
import { SyncTask, describeTask } from "./sync-task";

/** Readiness of a destination, per tag: what a failover preflight and `registry-dr verify` report. */

export type Readiness = "present" | "missing" | "differs" | "error";

export interface ReadinessRow {
  source: string;
  destination: string;
  status: Readiness;
  sourceDigest?: string;
  destinationDigest?: string;
  error?: string;
}

export async function checkReadiness(tasks: SyncTask[], pool: RegistryPool, concurrency: number, platforms?: PlatformFilter): Promise<ReadinessRow[]> {
  return mapConcurrent(tasks, concurrency, async (task): Promise<ReadinessRow> => {
    const names = describeTask(task);
    let sourceDigest: string | undefined;
    try {
      sourceDigest = (await expectedImage(task, pool.client(task.source), platforms)).digest;
      const head = await pool.client(task.destination).headManifest(task.destination.repository, task.destination.tag ?? sourceDigest);
      if (!head) return { ...names, status: "missing", sourceDigest };
      return { ...names, status: head.digest === sourceDigest ? "present" : "differs", sourceDigest, destinationDigest: head.digest };
    } catch (error) {
      return { ...names, status: "error", sourceDigest, error: (error as Error).message };
    }
  });
}
