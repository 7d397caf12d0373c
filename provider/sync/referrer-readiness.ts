import { Descriptor, RegistryClient } from "../clients/oci";
import { fallbackEntries } from "./copy-referrers";
import { platformOf } from "./pullable";
import { ReferrerDirectory } from "./referrer-discovery";

/**
 * What of an image's signatures and referrers the destination lacks: a cosign tag missing or
 * at another digest, a referrer not there or not discoverable (neither listed by the
 * destination's referrers API nor in its fallback index). Each line names what is missing.
 */

export interface ReferrerEnds {
  source: RegistryClient;
  sourceRepository: string;
  destination: RegistryClient;
  destinationRepository: string;
}

const MAX_DEPTH = 8;

/**
 * The image's and, for an index, each platform's: a line about a child names its platform
 * and digest ("linux/arm64 manifest sha256:...: signature tag ..."). Children are checked
 * one after another: an index holds a few.
 */
export async function missingImageReferrers(ends: ReferrerEnds, subject: string, children: Descriptor[], directory: ReferrerDirectory): Promise<string[]> {
  const missing = await missingReferrers(ends, subject, directory);
  for (const child of children) {
    const lines = await missingReferrers(ends, child.digest, directory);
    missing.push(...lines.map((line) => `${platformOf(child)}manifest ${child.digest}: ${line}`));
  }
  return missing;
}

export async function missingReferrers(ends: ReferrerEnds, subject: string, directory: ReferrerDirectory, depth = 0): Promise<string[]> {
  if (depth >= MAX_DEPTH) return [];
  const found = await directory.find(ends.source, ends.sourceRepository, subject);
  const missing: string[] = [];
  for (const tag of found.cosignTags) {
    const source = await ends.source.headManifest(ends.sourceRepository, tag);
    if (!source) continue;
    const present = await ends.destination.headManifest(ends.destinationRepository, tag);
    if (!present) missing.push(`signature tag ${tag}`);
    else if (present.digest !== source.digest) missing.push(`signature tag ${tag} is ${present.digest}, the source's is ${source.digest}`);
    else missing.push(...(await missingReferrers(ends, source.digest, directory, depth + 1)));
  }
  if (found.referrers.length === 0) return missing;
  const listed =
    (await directory.apiReferrers(ends.destination, ends.destinationRepository, subject)) ??
    (await fallbackEntries(ends.destination, ends.destinationRepository, subject));
  const discoverable = new Set(listed.map((entry) => entry.digest));
  for (const { descriptor } of found.referrers) {
    const what = `referrer ${descriptor.digest}${descriptor.artifactType ? ` (${descriptor.artifactType})` : ""}`;
    const head = await ends.destination.headManifest(ends.destinationRepository, descriptor.digest);
    if (!head) missing.push(what);
    else if (!discoverable.has(descriptor.digest)) missing.push(`${what}: present but not listed as a referrer of ${subject}`);
    else missing.push(...(await missingReferrers(ends, descriptor.digest, directory, depth + 1)));
  }
  return missing;
}
