import { RecordFields, RecordStore, RecordWriteError, ServerView, StoredRecord } from "../clients/record-store";
import { sameDnsName, sameRecordValue } from "../clients/record-value";
import type { HostRoutes } from "../clients/http";
import { clientZoneName, failoverSiteOf } from "./client-settings";
import { FailoverPreflight, FailoverSiteName, preflightVerdict, runFailoverPreflight } from "./failover-preflight";
import { FailoverRecordInputs, readinessJob, readinessPlatforms } from "./failover-record-schema";

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

/** Values and names compared as DNS names (sameRecordValue): a server's own spelling is not a difference. */
function sameRecord(record: StoredRecord, fields: RecordFields): boolean {
  return (
    sameRecordValue(fields.type, record.value, fields.value) && record.ttl === fields.ttl && record.type === fields.type && sameDnsName(record.rr, fields.rr)
  );
}

/** The site whose value `value` is, compared as DNS names; undefined when it is neither's. */
export function siteHolding(inputs: Pick<FailoverRecordInputs, "sites" | "type">, value: string | undefined): FailoverSiteName | undefined {
  return (["primary", "secondary"] as const).find((name) => sameRecordValue(inputs.type, inputs.sites[name].value, value));
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
  /** CAs and client certificates by registry host (the command line's --cert-dir). */
  routes?: HostRoutes;
}

/**
 * Makes `existing` (or a new record) hold the active site's value on every server. A change of
 * value waits for the site's preflight; a TTL-only change does not. Whatever the write did
 * (went through, was refused, went unanswered), the record is then read again on every server,
 * and that reading is what is reported: the switch is done only when every server holds the
 * new value, and this run claims only the servers it wrote.
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
  const moves = !existing || copiesOf(existing).some((copy) => !sameRecordValue(fields.type, copy.value, fields.value));
  // Back to the primary from a record that served: what the other site got meanwhile must be on the primary first.
  const failback = inputs.active === "primary" && existing !== undefined;
  const preflight = moves
    ? await preflightOrStop(inputs, inputs.active, say, { ...options, failback, zoneName: await clientZoneName(inputs, records) })
    : undefined;
  // The last moment a switch can stop with nothing changed: a write once sent is finished and read back.
  options.signal?.throwIfAborted();
  let recordId = existing?.recordId;
  let failure: unknown;
  try {
    if (!existing) recordId = await records.create(fields);
    else if (!holdsEverywhere(existing, fields)) await records.update(existing.recordId, fields, existing);
  } catch (error) {
    failure = error;
  }
  const after = await readAgain(records, inputs, recordId, failure);
  const outcome = judge(inputs, fields, existing, after, failure);
  if (!outcome.done || !after) throw new Error(`${records.product}: ${outcome.report}`);
  if (outcome.report) say(outcome.report);
  return { recordId: after.recordId, activeTarget: fields.value, flipped: outcome.flipped, previousValue: existing?.value, preflight };
}

/**
 * Compare-and-swap against state: a record that holds neither the value state last saw nor the
 * one wanted was changed by someone else since; overwriting it could undo a failover done by
 * hand. `pulumi refresh` records the change, and the next `up` then sets the wanted value.
 * With several servers, each one's copy must hold one of the two.
 */
function refuseUnseenChange(inputs: FailoverRecordInputs, existing: StoredRecord | undefined, lastSeen: string | undefined): void {
  const same = (a: string | undefined, b: string | undefined) => sameRecordValue(inputs.type, a, b);
  if (!existing || lastSeen === undefined || same(existing.value, lastSeen) || same(existing.value, desiredValue(inputs))) return;
  // Servers that disagree: each copy is judged on its own.
  if (existing.servers?.some((copy) => !same(copy.value, existing.value))) {
    const strays = existing.servers.filter((copy) => !same(copy.value, lastSeen) && !same(copy.value, desiredValue(inputs)));
    if (strays.length === 0) return;
    throw new Error(
      `${describeRecord(inputs)}: ${strays.map((copy) => `${copy.server} holds ${copy.value ?? "nothing"}, not ${lastSeen} as last read`).join("; ")}: it was changed meanwhile, so nothing was written. Run \`pulumi refresh\` to record the change, then \`pulumi up\` to set ${desiredValue(inputs)}`,
    );
  }
  throw new Error(
    `${describeRecord(inputs)} holds ${existing.value}, but state says ${lastSeen}: it was changed outside Pulumi, so it was not overwritten. Run \`pulumi refresh\` to record the change, then \`pulumi up\` to set ${desiredValue(inputs)}`,
  );
}

/** Each server's copy; a backend with one server (or one API) has one copy, the record itself. */
function copiesOf(record: StoredRecord | undefined, product = ""): ServerView[] {
  if (!record) return [{ server: product }];
  return record.servers ?? [{ server: product, value: record.value, ttl: record.ttl }];
}

function holdsEverywhere(record: StoredRecord, fields: RecordFields): boolean {
  return sameRecord(record, fields) && copiesOf(record).every((copy) => sameRecordValue(fields.type, copy.value, fields.value) && copy.ttl === fields.ttl);
}

/** The record read again after a write (or the attempt at one); a failed read is reported with the write's own error. */
async function readAgain(
  records: RecordStore,
  inputs: FailoverRecordInputs,
  recordId: string | undefined,
  failure: unknown,
): Promise<StoredRecord | undefined> {
  try {
    if (recordId !== undefined) return await records.get(recordId);
    return (await records.find(inputs.name)).find((record) => record.type === inputs.type);
  } catch (error) {
    const wrote = failure ? `the write failed (${(failure as Error).message}), and ` : "";
    throw new Error(
      `${records.product}: ${describeRecord(inputs)}: ${wrote}the record could not be read back (${(error as Error).message}), so what it holds now is unknown: the change may have been applied. Look at it (registry-dr failover status) before running again`,
    );
  }
}

interface Outcome {
  /** Every server holds the wanted value. */
  done: boolean;
  /** This run changed the value on at least one server. */
  flipped: boolean;
  /** What to say: the switch, a change found made by someone else, or what is wrong where. */
  report?: string;
}

/**
 * What happened, server by server, from what each held before, what the write said about it
 * and what it holds now. A server counts as switched by this run only when its write went
 * through; one that holds the value after its write was refused got it from someone else.
 */
function judge(
  inputs: FailoverRecordInputs,
  fields: RecordFields,
  before: StoredRecord | undefined,
  after: StoredRecord | undefined,
  failure: unknown,
): Outcome {
  const failedOn = (server: string) =>
    failure instanceof RecordWriteError ? failure.failed.find((entry) => entry.server === server)?.reason : failure ? (failure as Error).message : undefined;
  const beforeOf = (server: string) => copiesOf(before).find((copy) => copy.server === server || !before?.servers);
  const same = (a: string | undefined, b: string | undefined) => sameRecordValue(fields.type, a, b);
  const rows = copiesOf(after).map((copy) => {
    const was = beforeOf(copy.server);
    const holds = same(copy.value, fields.value) && copy.ttl === fields.ttl;
    const reason = failedOn(copy.server);
    const wrote = holds && reason === undefined && (!same(was?.value, fields.value) || was?.ttl !== fields.ttl);
    return { copy, was, holds, reason, wrote, moved: wrote && !same(was?.value, fields.value) };
  });
  const several = rows.length > 1;
  const on = (list: typeof rows) => (several ? ` on ${list.map((row) => row.copy.server).join(", ")}` : "");
  const moved = rows.filter((row) => row.moved);
  const byOthers = rows.filter((row) => row.holds && row.reason !== undefined);
  const alreadyThere = rows.filter((row) => row.holds && !row.wrote && row.reason === undefined);
  if (after && rows.every((row) => row.holds)) {
    const lines: string[] = [];
    if (moved.length > 0 && before)
      lines.push(
        `switched ${describeRecord(inputs)}: ${before.value} -> ${fields.value} (${inputs.active})${on(moved)}${several && alreadyThere.length > 0 ? `; ${alreadyThere.map((row) => row.copy.server).join(", ")} already held it` : ""}`,
      );
    if (byOthers.length > 0)
      lines.push(
        `${describeRecord(inputs)} holds ${fields.value} (the ${inputs.active} site)${on(byOthers)}, though this run's write did not report success (${byOthers.map((row) => row.reason).join("; ")}): another change, or a lost answer, put it there`,
      );
    return { done: true, flipped: moved.length > 0 || (!before && byOthers.length === 0), report: lines.join("\n") || undefined };
  }
  const detail = rows.map((row) => `  ${several ? `${row.copy.server}: ` : ""}${describeCopy(inputs, row.copy.value)}: ${rowStory(row, fields, inputs.type)}`);
  const retry = rows.some((row) => row.holds)
    ? "Run the same switch again to finish it once every server takes the update (servers already switched are left as they are)."
    : "Look at the record, then run again.";
  return {
    done: false,
    flipped: false,
    report: `${describeRecord(inputs)} does not hold ${fields.value} (the ${inputs.active} site)${several ? " on every server" : ""}:\n${detail.join("\n")}\n${retry}`,
  };
}

function rowStory(row: { copy: ServerView; holds: boolean; wrote: boolean; reason?: string; was?: ServerView }, fields: RecordFields, type: string): string {
  if (row.holds)
    return row.wrote ? "switched by this run" : row.reason ? `holds it, though this run's write did not report success (${row.reason})` : "already held it";
  if (row.reason) return `not switched: ${row.reason}`;
  if (sameRecordValue(type, row.was?.value, fields.value)) return "this run found it there and wrote nothing; another change moved it meanwhile";
  if (sameRecordValue(type, row.was?.value, row.copy.value)) return "the server answered the update without an error, but the record reads back unchanged";
  return "the write reported success, but the record reads back otherwise: another change followed it";
}

function describeCopy(inputs: FailoverRecordInputs, value: string | undefined): string {
  if (value === undefined) return "holds no record";
  const site = siteHolding(inputs, value);
  return `holds ${value} (${site ? `the ${site} site` : "neither site's value"})`;
}

/** The site's preflight, printed; throws with the report when the site is not ready and `force` is not set. */
async function preflightOrStop(
  inputs: FailoverRecordInputs,
  siteName: FailoverSiteName,
  say: Say,
  options: ApplyRecordOptions & { failback: boolean; zoneName?: string },
): Promise<FailoverPreflight> {
  const { signal, routes, failback, zoneName } = options;
  const site = failoverSiteOf(inputs, siteName, zoneName);
  const deadline = AbortSignal.timeout(PREFLIGHT_DEADLINE_MS);
  const preflight = await runFailoverPreflight(site, readinessJob(inputs), inputs.force ?? false, {
    signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
    ...(routes ? { transport: { routes } } : {}),
    platforms: readinessPlatforms(inputs),
    failbackFrom: failback ? failoverSiteOf(inputs, "secondary", zoneName) : undefined,
  }).finally(
    // A cancelled preflight reports its images as errors; what stops the switch is the cancellation, not those.
    () => signal?.throwIfAborted(),
  );
  if (preflight.clientsNotChecked) say(`preflight ${preflight.clientsNotChecked}`);
  for (const problem of preflight.problems) say(`preflight ${problem}`);
  if (preflight.problems.length > 0 && !inputs.force) {
    throw new Error(
      `preflight of the ${siteName} site (${preflight.registry}) failed, so ${describeRecord(inputs)} was not changed:\n${preflight.problems.map((line) => `  ${line}`).join("\n")}\n` +
        (preflight.failback && preflight.failback.missing.length + preflight.failback.conflicts.length > 0
          ? "Copy back what the secondary site got while it served (`registry-dr sync --reverse`, or ImageSync with reverse: true), settle each conflicting tag by hand, and run again, or set force: true to switch anyway (what the primary lacks is then lost to clients)."
          : "Copy the missing images (ImageSync, or `registry-dr sync`) and run again, or set force: true to switch anyway."),
    );
  }
  say(preflightVerdict(preflight));
  return preflight;
}
