/**
 * What this run has done to destination registries, so that shared work is done once.
 *
 * - `once` makes work on (kind, host, repository, digest) single-flight: images that
 *   share a layer or a child manifest wait for one copy instead of racing uploads
 *   (concurrent uploads of one blob are what makes some copiers fail "blob unknown").
 * - `place` makes the first placement of a digest on a host single-flight across
 *   repositories and resolves to the repository that then holds it, so every other
 *   repository mounts the blob instead of uploading its bytes again.
 *
 * Failures are forgotten, so a retry round tries again; successes are remembered.
 */
export class BlobLedger {
  private readonly placed = new Map<string, Promise<string>>();
  private readonly done = new Map<string, Promise<void>>();

  once(kind: string, host: string, repository: string, digest: string, work: () => Promise<void>): Promise<void> {
    return singleFlight(this.done, `${kind}\u0000${host}\u0000${repository}\u0000${digest}`, work);
  }

  place(host: string, digest: string, work: () => Promise<string>): Promise<string> {
    return singleFlight(this.placed, `${host}\u0000${digest}`, work);
  }
}

function singleFlight<T>(map: Map<string, Promise<T>>, key: string, work: () => Promise<T>): Promise<T> {
  let running = map.get(key);
  if (!running) {
    running = work().catch((error: unknown) => {
      map.delete(key);
      throw error;
    });
    map.set(key, running);
  }
  return running;
}
