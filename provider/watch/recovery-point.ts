import { parseReference } from "../clients/oci";

/**
 * The recovery point per site: how long the oldest image the site should hold and does not has
 * been waiting. An image waits from the moment registry-dr first knew the source had it (the
 * push event's time, or the run that first found it missing), until a copy or a check finds
 * it at the site. A site is a destination registry.
 */

export class RecoveryPoint {
  /** Site -> destination image -> since when it has been missing (ms). */
  private readonly missing = new Map<string, Map<string, number>>();

  constructor(sites: Iterable<string> = []) {
    for (const site of sites) this.missing.set(siteOf(site), new Map());
  }

  /** The destination lacks the image since `since`, or since earlier if already known. */
  lacks(destination: string, since: number): void {
    const images = this.site(destination);
    const known = images.get(destination);
    images.set(destination, known === undefined ? since : Math.min(known, since));
  }

  /** The destination holds the image: it no longer counts. */
  holds(destination: string): void {
    this.missing.get(siteOfImage(destination))?.delete(destination);
  }

  /** Per site: seconds since the oldest missing image was first known missing (0 when none), and how many are missing. */
  report(now: number): { site: string; seconds: number; missing: number }[] {
    return [...this.missing.entries()].map(([site, images]) => {
      let oldest = now;
      for (const since of images.values()) oldest = Math.min(oldest, since);
      return { site, seconds: Math.max(0, (now - oldest) / 1000), missing: images.size };
    });
  }

  /** Every image known missing, with since when: what a later run starts from. */
  entries(): { destination: string; since: number }[] {
    return [...this.missing.values()].flatMap((images) => [...images.entries()].map(([destination, since]) => ({ destination, since })));
  }

  private site(destination: string): Map<string, number> {
    const site = siteOfImage(destination);
    let images = this.missing.get(site);
    if (!images) this.missing.set(site, (images = new Map()));
    return images;
  }
}

/** A site's name: its registry host as the config writes it, in lower case, without a trailing dot or the default port. */
export function siteOf(registry: string): string {
  return registry
    .toLowerCase()
    .replace(/\.(?=:\d+$|$)/, "")
    .replace(/:443$/, "");
}

function siteOfImage(destination: string): string {
  try {
    return siteOf(parseReference(destination).registry);
  } catch {
    return siteOf(destination.split("/")[0]);
  }
}
