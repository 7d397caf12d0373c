import * as pulumi from "@pulumi/pulumi";
import type { FailoverPreflight, FailoverRecord } from "../provider/resources";

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
