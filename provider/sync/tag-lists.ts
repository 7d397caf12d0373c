import { RegistryClient, RegistryError } from "../clients/oci";

/**
 * Each repository's tag list, read once per run: planning needs it for `repo` and
 * `repo:/regex/` rules, and finding cosign tags and fallback indexes needs it for every
 * image, so both share one listing. Sorted, so runs and reports come out in the same order
 * whatever the registry returns. A failed listing is forgotten so a later ask retries.
 *
 * `absentIsEmpty`: a repository the registry says it does not know (NAME_UNKNOWN) holds no
 * tags. A copy back from a standby asks for every protected repository there, and one nothing
 * was pushed to may not exist; a forward copy keeps the error, as a misspelt source would.
 */
export class TagLists {
  private readonly listings = new Map<string, Promise<string[]>>();
  private readonly sets = new Map<string, Promise<Set<string>>>();

  constructor(private readonly absentIsEmpty = false) {}

  list(client: RegistryClient, repository: string): Promise<string[]> {
    const key = `${client.host}\u0000${repository}`;
    let listing = this.listings.get(key);
    if (!listing) {
      listing = client
        .listTags(repository)
        .catch((error) => (this.absentIsEmpty && error instanceof RegistryError && error.code === "NAME_UNKNOWN" ? [] : Promise.reject(error)))
        .then((tags) => tags.sort());
      listing.catch(() => {
        this.listings.delete(key);
        this.sets.delete(key);
      });
      this.listings.set(key, listing);
    }
    return listing;
  }

  /** The same listing as a set, for membership tests per image. */
  set(client: RegistryClient, repository: string): Promise<Set<string>> {
    const key = `${client.host}\u0000${repository}`;
    let set = this.sets.get(key);
    if (!set) {
      set = this.list(client, repository).then((tags) => new Set(tags));
      this.sets.set(key, set);
    }
    return set;
  }
}
