import { TagLists } from "./tag-lists";
import { COSIGN_SUFFIXES, FetchedManifest, ReferrerDescriptor, RegistryClient, parseReferrersIndex, referrersTag, subjectOf } from "../clients/oci";

/**
 * What travels with an image: cosign's tags next to it and its OCI 1.1 referrers, found the
 * way the source supports. One `ReferrerDirectory` serves a run: each repository's tag list is
 * read once, and whether a registry has the referrers API is learned once per registry.
 */

export interface FoundReferrers {
  /** cosign tags present for the subject: `sha256-<hex>.sig`, `.att`, `.sbom`. */
  cosignTags: string[];
  /** Artifacts whose manifest names the subject, with the manifest when it was read to check that. */
  referrers: { descriptor: ReferrerDescriptor; manifest?: FetchedManifest }[];
  /** Listed entries whose manifest names another subject: left behind, reported. */
  foreign: string[];
  /** Where the referrers were listed: the registry's referrers API or the fallback index (tag schema). */
  listedBy?: "api" | "index";
}

export class ReferrerDirectory {
  /** Per registry, the first referrers API answer: whether it has the API. Later asks wait for it. */
  private readonly probes = new Map<RegistryClient, Promise<boolean>>();

  constructor(private readonly tagLists: TagLists = new TagLists()) {}

  /**
   * The referrers API's list, or undefined where the registry has none. The first ask of a
   * registry is its probe, and the images checked at the same time wait for it: a registry
   * answering 404 is not asked again in this run, one answering 200 is asked for every subject.
   */
  async apiReferrers(client: RegistryClient, repository: string, digest: string): Promise<ReferrerDescriptor[] | undefined> {
    const probe = this.probes.get(client);
    if (probe) {
      // A probe that failed failed its own image (a hostile page, a timeout): this one asks again.
      const hasApi = await probe.catch(() => undefined);
      if (hasApi === undefined) return this.apiReferrers(client, repository, digest);
      return hasApi ? client.listReferrers(repository, digest) : undefined;
    }
    const listing = client.listReferrers(repository, digest);
    const learned = listing.then((listed) => listed !== undefined);
    this.probes.set(client, learned);
    learned.catch(() => {
      if (this.probes.get(client) === learned) this.probes.delete(client);
    });
    return listing;
  }

  async find(client: RegistryClient, repository: string, subject: string): Promise<FoundReferrers> {
    const tags = await this.tagLists.set(client, repository);
    const stem = referrersTag(subject);
    const cosignTags = COSIGN_SUFFIXES.map((suffix) => `${stem}${suffix}`).filter((tag) => tags.has(tag));
    const listed = await this.apiReferrers(client, repository, subject);
    // A registry's list is as untrusted as an index someone pushed: an entry naming another
    // subject would be copied, and then be missing from this subject's list at the destination forever.
    if (listed) return { cosignTags, ...(await namingSubject(client, repository, subject, listed)), listedBy: "api" };
    if (!tags.has(stem)) return { cosignTags, referrers: [], foreign: [] };
    return { cosignTags, ...(await fromFallbackIndex(client, repository, subject)), listedBy: "index" };
  }
}

/** The source's fallback index, keeping only entries whose manifest really names the subject. */
async function fromFallbackIndex(client: RegistryClient, repository: string, subject: string): Promise<Pick<FoundReferrers, "referrers" | "foreign">> {
  const tag = referrersTag(subject);
  const index = await client.getManifest(repository, tag);
  const entries = parseReferrersIndex(index.bytes, client.host, `the referrers index ${client.host}/${repository}:${tag}`);
  return namingSubject(client, repository, subject, entries);
}

/** Reads each listed manifest: those naming `subject` are its referrers (the manifest kept for the copy), the rest foreign. */
async function namingSubject(
  client: RegistryClient,
  repository: string,
  subject: string,
  entries: ReferrerDescriptor[],
): Promise<Pick<FoundReferrers, "referrers" | "foreign">> {
  const referrers: FoundReferrers["referrers"] = [];
  const foreign: string[] = [];
  for (const descriptor of entries) {
    const manifest = await client.getManifest(repository, descriptor.digest);
    const named = subjectOf(manifest.bytes, client.host, `${client.host}/${repository}@${descriptor.digest}`);
    if (named === subject) referrers.push({ descriptor, manifest: { ...manifest, mediaType: manifest.mediaType || descriptor.mediaType } });
    else foreign.push(descriptor.digest);
  }
  return { referrers, foreign };
}
