import { ManifestHead, RegistryClient, RegistryError } from "../clients/oci";

/**
 * What each destination repository held before the run copied into it, learned from its tag
 * list, so that a cold copy does not HEAD every tag (and every blob) it is about to push.
 *
 * The list is read only once a HEAD has found a tag missing: a no-op resync (every tag
 * present) stays at its HEADs and never pays for a listing, while a repository being filled
 * pays one listing instead of a HEAD per tag. The first image of a repository asks with a
 * HEAD; the others wait for what it learned rather than racing it.
 *
 * A tag list is only ever trusted to say what is absent: a tag it misses (a registry that lists
 * lazily) is copied again, which costs requests but never correctness; a listed tag is HEADed
 * as before. A listing that fails is no knowledge: HEADs as before.
 */
export class DestinationTags {
  private readonly listings = new Map<string, Promise<Set<string> | undefined>>();

  /** The destination's manifest under `tag`, or undefined when it has none (possibly known without asking). */
  async head(client: RegistryClient, repository: string, tag: string): Promise<ManifestHead | undefined> {
    const key = keyOf(client, repository);
    const listing = this.listings.get(key);
    if (listing) {
      const tags = await listing;
      if (tags && !tags.has(tag)) return undefined;
      return client.headManifest(repository, tag);
    }
    const probe = client.headManifest(repository, tag);
    this.listings.set(
      key,
      probe.then(
        (found) => (found ? undefined : listedTags(client, repository)),
        () => undefined,
      ),
    );
    return probe;
  }

  /** True when the repository was listed with no tags at all (or not there) before the run wrote to it. */
  async wasEmpty(client: RegistryClient, repository: string): Promise<boolean> {
    const tags = await this.listings.get(keyOf(client, repository));
    return tags?.size === 0;
  }
}

async function listedTags(client: RegistryClient, repository: string): Promise<Set<string> | undefined> {
  try {
    return new Set(await client.listTags(repository));
  } catch (error) {
    // NAME_UNKNOWN: the repository does not exist yet, so it holds nothing.
    if (error instanceof RegistryError && error.status === 404) return new Set();
    return undefined;
  }
}

function keyOf(client: RegistryClient, repository: string): string {
  return `${client.host}\u0000${repository}`;
}
