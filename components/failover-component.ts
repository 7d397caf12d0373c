import * as pulumi from "@pulumi/pulumi";
import { failoverClientProblems, type SiteAddress } from "../provider/failover";
import type { ImagesMap } from "../provider/sync";
import { formatPath } from "../provider/validation";
import type { FailoverPreflight, FailoverRecord } from "../provider/resources";
import type { ArgumentChecks } from "./argument-checks";
import { isEventual } from "./eventual";

/**
 * What every failover component (PrivateZone, Cloud DNS, the data center's DNS) passes on
 * from the FailoverRecord it builds, declared and registered once.
 */
export abstract class FailoverComponent extends pulumi.ComponentResource {
  declare readonly recordId: pulumi.Output<string>;
  /** The value the record holds now. */
  declare readonly activeTarget: pulumi.Output<string>;
  /** The value before the last flip ("" when it never flipped). */
  declare readonly previousTarget: pulumi.Output<string>;
  /** When the record last changed value (ISO 8601). */
  declare readonly switchedAt: pulumi.Output<string>;
  /** What the last preflight found at the site switched to. */
  declare readonly preflight: pulumi.Output<FailoverPreflight>;

  /** The record's outputs as the component's own, registered with the component's `own` outputs: the constructor's last step. */
  protected passOnRecord(record: FailoverRecord, own: pulumi.Inputs): void {
    const outputs = {
      recordId: record.recordId,
      activeTarget: record.activeTarget,
      previousTarget: record.previousTarget,
      switchedAt: record.switchedAt,
      preflight: record.preflight,
    };
    Object.assign(this, outputs);
    this.registerOutputs({ ...own, ...outputs });
  }
}

/**
 * The FailoverRecord's client-view rules (a site clients cannot reach through the name, a
 * readiness image the site holds under another path) on the sites and images known while the
 * program runs: a failover component refuses them before anything is created. What is not
 * known yet (an Output, a secret) is left to the record's own check.
 */
export function checkServesClients(check: ArgumentChecks, sites: Record<"primary" | "secondary", unknown>, readiness: unknown): void {
  const address = (site: unknown): SiteAddress | undefined => {
    if (!site || typeof site !== "object" || isEventual(site)) return undefined;
    const { value, registry } = site as { value?: unknown; registry?: unknown };
    return typeof registry === "string" ? { registry, value: typeof value === "string" ? value : "" } : undefined;
  };
  const primary = address(sites.primary);
  const secondary = address(sites.secondary);
  if (!primary || !secondary) return;
  const images = readiness && typeof readiness === "object" && !isEventual(readiness) ? (readiness as { images?: unknown }).images : undefined;
  const known = images && typeof images === "object" && !isEventual(images) && !Object.values(images).some(isEventual) ? (images as ImagesMap) : undefined;
  const [first] = failoverClientProblems({ primary, secondary }, known);
  if (!first) return;
  const [part, key, field] = first.path.map(String);
  const got = part === "readiness" ? known?.[field] : { primary, secondary }[key as "primary" | "secondary"][field as keyof SiteAddress];
  check.fail(formatPath(first.path), first.message, got);
}
