import { RecordFields, RecordStore, StoredRecord } from "../clients/record-store";
import { FailoverPreflight, FailoverSiteName, runFailoverPreflight } from "./failover-preflight";
import { FailoverRecordInputs, readinessJob } from "./failover-record-schema";

/**
 * Switching a failover record, the same whether `pulumi up` or the break-glass command does
 * it: a preflight of the site it moves to, a compare-and-swap write, and a read-back. No
 * Pulumi here: the command line runs this while Pulumi's backend may be down.
 */

const DEFAULT_TTL = { privatezone: 60, alidns: 600, rfc2136: 60, clouddns: 60 } as const;

/** How long a preflight may take: a /v2/ probe and HEADs of the readiness images. */
const PREFLIGHT_DEADLINE_MS = 10 * 60_000;

/** A CNAME's value for Cloud DNS without the final dot: the store adds it on the wire and drops it when reading. */
export function desiredValue(inputs: Pick<FailoverRecordInputs, "sites" | "active" | "backend" | "type">): string {
  const value = inputs.sites[inputs.active].value;
  return inputs.backend === "clouddns" && inputs.type === "CNAME" ? value.replace(/\.$/, "") : value;
}

function recordFields(inputs: FailoverRecordInputs): RecordFields {
  return { rr: inputs.name, type: inputs.type, value: desiredValue(inputs), ttl: inputs.ttl ?? DEFAULT_TTL[inputs.backend] };
}

function sameRecord(record: StoredRecord, fields: RecordFields): boolean {
  return record.value === fields.value && record.ttl === fields.ttl && record.type === fields.type && record.rr === fields.rr;
}

export function describeRecord(inputs: Pick<FailoverRecordInputs, "backend" | "zone" | "name" | "type">): string {
  const where = { privatezone: "PrivateZone zone", alidns: "domain", rfc2136: "zone", clouddns: "managed zone" }[inputs.backend];
  return `${inputs.type} record "${inputs.name}" in ${where} ${inputs.zone}`;
}

/** The record to take over, or undefined to create one; throws when the RR is taken and adopting was not asked for. */
export function pickAdopted(records: RecordStore, inputs: FailoverRecordInputs, existing: StoredRecord[]): StoredRecord | undefined {
  if (existing.length === 0) return undefined;
  const listed = existing.map((record) => `${record.type} ${record.value} (RecordId ${record.recordId})`).join(", ");
  const sameType = existing.filter((record) => record.type === inputs.type);
  if (!inputs.adopt) {
    throw new Error(
      `${records.product}: ${describeRecord(inputs)} already exists: ${listed}. Set adopt: true to manage it with this resource, or remove it first`,
    );
  }
  if (sameType.length !== 1 || existing.length !== 1) {
    throw new Error(
      `${records.product}: cannot adopt ${describeRecord(inputs)}: the name holds ${existing.length} record(s) (${listed}); adopt needs exactly one ${inputs.type} record there`,
    );
  }
  return sameType[0];
}

export interface AppliedRecord {
  recordId: string;
  activeTarget: string;
  /** Whether the record's value changed (or it was written anew). */
  flipped: boolean;
  /** The value it held before, when there was a record. */
  previousValue?: string;
  preflight?: FailoverPreflight;
}

/** Where progress lines go: the provider host's output (shown by `pulumi up`), or the command's. */
export type Say = (line: string) => void;

export interface ApplyRecordOptions {
  /** Cancels the switch (Ctrl-C, SIGTERM): the preflight stops, and nothing is written once it has fired; applyRecord then throws its reason. */
  signal?: AbortSignal;
}

/**
 * Makes `existing` (or a new record) hold the active site's value. A change of value waits for
 * the site's preflight; a TTL-only change does not. The DNS API must then show the new value.
 */
export async function applyRecord(
  records: RecordStore,
  inputs: FailoverRecordInputs,
  existing: StoredRecord | undefined,
  lastSeen: string | undefined,
  say: Say = console.log,
  options: ApplyRecordOptions = {},
): Promise<AppliedRecord> {
  const fields = recordFields(inputs);
  refuseUnseenChange(inputs, existing, lastSeen);
  const flipped = !existing || existing.value !== fields.value;
  const preflight = flipped ? await preflightOrStop(inputs, inputs.active, say, options.signal) : undefined;
  // The last moment a switch can stop with nothing changed: a write once sent is finished and read back.
  options.signal?.throwIfAborted();
  const recordId = existing ? existing.recordId : await records.create(fields);
  if (existing && !sameRecord(existing, fields)) await records.update(recordId, fields, existing);
  const written = await readBack(records, inputs, recordId);
  if (flipped && existing) say(`switched ${describeRecord(inputs)}: ${existing.value} -> ${written.value} (${inputs.active})`);
  return { recordId, activeTarget: written.value, flipped, previousValue: existing?.value, preflight };
}

/**
 * Compare-and-swap against state: a record that holds neither the value state last saw nor the
 * one wanted was changed by someone else since; overwriting it could undo a failover done by
 * hand. `pulumi refresh` records the change, and the next `up` then sets the wanted value.
 */
function refuseUnseenChange(inputs: FailoverRecordInputs, existing: StoredRecord | undefined, lastSeen: string | undefined): void {
  if (!existing || lastSeen === undefined || existing.value === lastSeen || existing.value === desiredValue(inputs)) return;
  throw new Error(
    `${describeRecord(inputs)} holds ${existing.value}, but state says ${lastSeen}: it was changed outside Pulumi, so it was not overwritten. Run \`pulumi refresh\` to record the change, then \`pulumi up\` to set ${desiredValue(inputs)}`,
  );
}

/** The written record, read again: a flip counts only once the DNS API shows the new value. */
async function readBack(records: RecordStore, inputs: FailoverRecordInputs, recordId: string): Promise<StoredRecord> {
  const fields = recordFields(inputs);
  const written = await records.get(recordId);
  if (!written || written.value !== fields.value) {
    throw new Error(
      `${records.product}: ${describeRecord(inputs)} (RecordId ${recordId}) reads back ${written ? `as ${written.value}` : "as missing"} after writing ${fields.value}`,
    );
  }
  return written;
}

/** The site's preflight, printed; throws with the report when the site is not ready and `force` is not set. */
async function preflightOrStop(
  inputs: FailoverRecordInputs,
  siteName: FailoverSiteName,
  say: Say,
  signal: AbortSignal | undefined,
): Promise<FailoverPreflight> {
  const site = { name: siteName, ...inputs.sites[siteName] };
  const deadline = AbortSignal.timeout(PREFLIGHT_DEADLINE_MS);
  const preflight = await runFailoverPreflight(site, readinessJob(inputs), inputs.force ?? false, {
    signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
  }).finally(
    // A cancelled preflight reports its images as errors; what stops the switch is the cancellation, not those.
    () => signal?.throwIfAborted(),
  );
  for (const problem of preflight.problems) say(`preflight ${problem}`);
  if (preflight.problems.length > 0 && !inputs.force) {
    throw new Error(
      `preflight of the ${siteName} site (${preflight.registry}) failed, so ${describeRecord(inputs)} was not changed:\n${preflight.problems.map((line) => `  ${line}`).join("\n")}\n` +
        "Copy the missing images (ImageSync, or `registry-dr sync`) and run again, or set force: true to switch anyway.",
    );
  }
  say(
    `preflight ${siteName} site ${preflight.registry}: ${preflight.problems.length === 0 ? "ready" : "NOT ready, forced"} (${preflight.counts.present} image(s) present)`,
  );
  return preflight;
}
