import { Descriptor, FetchedManifest, ParsedManifest, RegistryClient, RegistryError, parseManifest, referencedBlobs } from "../clients/oci";
import { Semaphore } from "./concurrency";

/**
 * Whether an image can be pulled from a registry, not just whether its tag resolves: every
 * child manifest of an index and every blob (config and layers) must be there. A registry
 * happily serves a tag whose layer was deleted or garbage-collected; `docker pull` then
 * fails with a 404, which is what a failover must never find out first.
 *
 * One `ContentCheck` serves a whole run: requests are bounded, and each (host, repository,
 * digest) is asked about once, so tags sharing layers or child manifests cost little.
 */

export class ContentCheck {
  private readonly requests: Semaphore;
  private readonly blobs = new Map<string, Promise<boolean>>();
  private readonly trees = new Map<string, Promise<string[]>>();
  private readonly children = new Map<string, Promise<string[]>>();

  constructor(concurrency: number) {
    this.requests = new Semaphore(concurrency);
  }

  /**
   * The manifest at `reference` and what of its content is missing; undefined when the
   * reference itself is absent. For an index, its entries too: their signatures and SBOMs
   * are checked next, without reading the index again.
   */
  async inspect(
    client: RegistryClient,
    repository: string,
    reference: string,
  ): Promise<{ digest: string; missing: string[]; children: Descriptor[] } | undefined> {
    const manifest = await this.requests.run(() => manifestIfPresent(client, repository, reference));
    if (!manifest) return undefined;
    const parsed = parseManifest(
      manifest.bytes,
      manifest.mediaType,
      client.host,
      `${client.host}/${repository}${reference.includes(":") ? "@" : ":"}${reference}`,
    );
    const missing = await this.memo(this.trees, client, repository, manifest.digest, () => this.missingUnder(client, repository, parsed));
    return { digest: manifest.digest, missing, children: parsed.kind === "index" ? parsed.manifests : [] };
  }

  private async missingUnder(client: RegistryClient, repository: string, parsed: ParsedManifest): Promise<string[]> {
    if (parsed.kind === "index") {
      const children = await Promise.all(parsed.manifests.map((child) => this.missingChild(client, repository, child)));
      return children.flat();
    }
    const blobs = referencedBlobs(parsed);
    const present = await Promise.all(blobs.map((blob) => this.hasBlob(client, repository, blob.digest)));
    return blobs.filter((_, index) => !present[index]).map((blob) => `${blob.digest} (${blob === parsed.config ? "config" : "layer"})`);
  }

  private missingChild(client: RegistryClient, repository: string, child: Descriptor): Promise<string[]> {
    return this.memo(this.children, client, repository, child.digest, async () => {
      const found = await this.inspect(client, repository, child.digest);
      return found ? found.missing : [`${platformOf(child)}manifest ${child.digest}`];
    });
  }

  private hasBlob(client: RegistryClient, repository: string, digest: string): Promise<boolean> {
    return this.memo(this.blobs, client, repository, digest, () => this.requests.run(() => client.hasBlob(repository, digest)));
  }

  private memo<T>(cache: Map<string, Promise<T>>, client: RegistryClient, repository: string, digest: string, work: () => Promise<T>): Promise<T> {
    const key = `${client.host}\u0000${repository}\u0000${digest}`;
    let running = cache.get(key);
    if (!running) {
      running = work();
      cache.set(key, running);
      // A failed check is asked again by the next image rather than failing it too.
      running.catch(() => cache.delete(key));
    }
    return running;
  }
}

async function manifestIfPresent(client: RegistryClient, repository: string, reference: string): Promise<FetchedManifest | undefined> {
  try {
    return await client.getManifest(repository, reference);
  } catch (error) {
    if (error instanceof RegistryError && error.status === 404) return undefined;
    throw error;
  }
}

/** "linux/arm64 " for an index entry with a platform, "" otherwise. */
export function platformOf(child: Descriptor): string {
  const platform = child.platform;
  if (!platform) return "";
  return `${[platform.os, platform.architecture, platform.variant].filter(Boolean).join("/")} `;
}
