import { DestinationTags } from "./destination-tags";

/**
 * What this run has done to destination registries, and learned of them, so that shared work
 * is done once and no question is asked twice.
 *
 * - `once` makes work on (kind, host, repository, digest) single-flight: images that
 *   share a layer or a child manifest wait for one copy instead of racing uploads
 *   (concurrent uploads of one blob are what makes some copiers fail "blob unknown").
 * - `place` makes the first placement of a digest on a host single-flight across
 *   repositories and resolves to the repository that then holds it, so every other
 *   repository mounts the blob instead of uploading its bytes again.
 * - which hosts have shown that they mount blobs (a 201 to a mount), and which refuse the
 *   mount parameters outright (an error answer), so copies pick the probe that works there.
 * - `destinations`: what destination repositories held before the run (destination-tags.ts).
 *
 * Failures are forgotten, so a retry round tries again; successes are remembered.
 */
export class BlobLedger {
  readonly destinations = new DestinationTags();
  private readonly placed = new Map<string, Promise<string>>();
  private readonly done = new Map<string, Promise<void>>();
  private readonly mountingHosts = new Set<string>();
  private readonly refusingHosts = new Set<string>();

  once(kind: string, host: string, repository: string, digest: string, work: () => Promise<void>): Promise<void> {
    return singleFlight(this.done, `${kind}\u0000${host}\u0000${repository}\u0000${digest}`, work);
  }

  place(host: string, digest: string, work: () => Promise<string>): Promise<string> {
    return singleFlight(this.placed, `${host}\u0000${digest}`, work);
  }

  /** `mounted`: the host answered a mount with 201; `refused`: with an error rather than an upload session. */
  learnMount(host: string, answer: "mounted" | "refused"): void {
    (answer === "mounted" ? this.mountingHosts : this.refusingHosts).add(host);
  }

  mounts(host: string): boolean {
    return this.mountingHosts.has(host);
  }

  refusesMounts(host: string): boolean {
    return this.refusingHosts.has(host);
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
