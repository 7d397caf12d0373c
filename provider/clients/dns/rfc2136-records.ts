import { RecordFields, RecordOutsideZoneError, RecordStore, RecordWriteError, ServerView, StoredRecord } from "../record-store";
import { DnsError } from "./dns-errors";
import { canonicalRecordValue } from "../record-value";
import { FailoverRecordType } from "./record-data";
import { Rfc2136Client, Rfc2136Options } from "./rfc2136-client";

/**
 * One zone's failover records on one or more primary DNS servers, as a record store. Every write is a compare-and-swap on each
 * server: it applies only where the record still holds what the caller read, so a change made
 * meanwhile is refused, never merged or overwritten. A record has no server-side id: its id is
 * its absolute name and type ("registry.dr.example.com/A"), and an id outside the zone is refused:
 * the servers may serve other zones too.
 */

export interface Rfc2136RecordsOptions extends Omit<Rfc2136Options, "server"> {
  /** Every primary that serves the zone: each is updated. */
  servers: string[];
}

const TYPES: readonly FailoverRecordType[] = ["A", "AAAA", "CNAME"];

export class Rfc2136Records implements RecordStore {
  readonly product: string;
  /** The zone's name, lower-case, without the final dot. */
  readonly zone: string;
  private readonly clients: Rfc2136Client[];

  async zoneName(): Promise<string> {
    return this.zone;
  }

  constructor(zone: string, options: Rfc2136RecordsOptions) {
    this.zone = zone.replace(/\.$/, "").toLowerCase();
    this.clients = options.servers.map((server) => new Rfc2136Client({ ...options, server }));
    this.product = `DNS server${this.clients.length > 1 ? "s" : ""} ${this.clients.map((client) => client.where).join(", ")}`;
  }

  /** Records at this name of the types a failover record may have, as every server holds them. */
  async find(rr: string): Promise<StoredRecord[]> {
    const found = await Promise.all(TYPES.map((type) => this.get(recordId(this.absolute(rr), type))));
    return found.filter((record): record is StoredRecord => record !== undefined);
  }

  /**
   * The record as every server holds it (`servers`); undefined when none holds it. Servers that
   * disagree give a `value` that says so ("10.2.0.20 on a; 10.1.0.10 on b"), never one of them.
   */
  async get(id: string): Promise<StoredRecord | undefined> {
    const { name, type } = this.parseRecordId(id);
    const servers = await Promise.all(
      this.clients.map(async (client): Promise<ServerView> => {
        const set = await client.query(name, type);
        return { server: client.where, value: set.values.length > 0 ? set.values.join(",") : undefined, ttl: set.ttl };
      }),
    );
    const holding = servers.filter((server) => server.value !== undefined);
    if (holding.length === 0) return undefined;
    const agreed = holding.length === servers.length && holding.every((server) => server.value === holding[0].value);
    const value = agreed ? holding[0].value! : servers.map((server) => `${server.value ?? "nothing"} on ${server.server}`).join("; ");
    return { recordId: id, rr: this.relative(name), type, value, ttl: holding[0].ttl ?? 0, servers };
  }

  /** Creates the record on every server where it does not exist yet; refuses where it does. */
  async create(record: RecordFields): Promise<string> {
    const id = recordId(this.absolute(record.rr), record.type as FailoverRecordType);
    await this.onEachServer(id, record.value, record.ttl, undefined);
    return id;
  }

  /** Sets the value on every server that still holds what `current` says it held; refuses a server holding anything else. */
  async update(id: string, record: RecordFields, current?: StoredRecord): Promise<void> {
    await this.onEachServer(id, record.value, record.ttl, current);
  }

  async delete(id: string, current?: StoredRecord): Promise<void> {
    await this.onEachServer(id, undefined, 0, current);
  }

  /**
   * Brings each server to `value` (undefined: no record) from what `seen` says that server held
   * (undefined: no record). A server seen at `value` already is left alone, so a run that
   * stopped half way is finished by the next; every other write is a compare-and-swap against
   * what that server was seen to hold. Every server that needs the write gets it, even when
   * another refuses: the error names each server that did not take it.
   */
  private async onEachServer(id: string, value: string | undefined, ttl: number, seen: StoredRecord | undefined): Promise<void> {
    const { name, type } = this.parseRecordId(id);
    const target = value === undefined ? [] : [canonicalRecordValue(type, value)];
    // Every server is read and judged before any is written, so a change made meanwhile leaves them all as they were.
    const plans = await Promise.all(
      this.clients.map(async (client) => {
        const expected = valuesOf(type, seenOn(seen, client.where));
        const live = await client.query(name, type);
        const done = sameSet(live.values, target) && sameSet(expected, target) && (value === undefined || live.ttl === ttl);
        const changed = !sameSet(live.values, expected);
        return { client, held: live.values, done, changed, expected };
      }),
    );
    if (plans.some((plan) => plan.changed)) {
      const failed = plans.map(({ client, held, expected, changed }) => ({
        server: client.where,
        reason: changed
          ? `${client.where}: ${type} record ${name} holds ${held.join(", ") || "nothing"}, not ${expected.join(", ") || "nothing"} as last read: it was changed meanwhile, so nothing was written`
          : "not written: another server's copy was changed meanwhile",
      }));
      const reasons = failed.filter((_, index) => plans[index].changed).map((failure) => failure.reason);
      throw new RecordWriteError(`${reasons.join("; ")}. Refresh (pulumi refresh), then run again`, failed);
    }
    const failed: { server: string; reason: string }[] = [];
    for (const { client, held, done } of plans) {
      if (done) continue;
      try {
        await client.update({ zone: this.zone, name, type, ttl, expect: held.length === 0 ? "absent" : held, values: value === undefined ? [] : [value] });
      } catch (error) {
        if (!(error instanceof DnsError)) throw error;
        failed.push({ server: client.where, reason: error.message });
      }
    }
    if (failed.length > 0) {
      const written = plans.filter((plan) => !plan.done && !failed.some((failure) => failure.server === plan.client.where));
      throw new RecordWriteError(
        `${failed.map((failure) => failure.reason).join("; ")}${written.length > 0 ? ` (written on ${written.map((plan) => plan.client.where).join(", ")})` : ""}`,
        failed,
      );
    }
  }

  private absolute(rr: string): string {
    return rr === "@" ? this.zone : `${rr}.${this.zone}`;
  }

  /** The id's name and type; a name outside the zone is refused before any server is asked. */
  private parseRecordId(id: string): { name: string; type: FailoverRecordType } {
    const slash = id.lastIndexOf("/");
    const type = id.slice(slash + 1) as FailoverRecordType;
    if (slash < 1 || !TYPES.includes(type)) throw new RangeError(`not a record id of this backend: ${JSON.stringify(id)} (expected name/TYPE)`);
    const name = id.slice(0, slash);
    const lower = name.replace(/\.$/, "").toLowerCase();
    if (lower !== this.zone && !lower.endsWith(`.${this.zone}`)) throw new RecordOutsideZoneError(this.product, `${type} record ${name}`, this.zone);
    return { name, type };
  }

  private relative(name: string): string {
    return name === this.zone ? "@" : name.slice(0, -(this.zone.length + 1));
  }
}

function recordId(name: string, type: FailoverRecordType): string {
  return `${name}/${type}`;
}

/** What `seen` says `server` held: its own copy where the record lists each server's. */
function seenOn(seen: StoredRecord | undefined, server: string): string | undefined {
  if (!seen) return undefined;
  if (!seen.servers) return seen.value;
  return seen.servers.find((view) => view.server === server)?.value;
}

function valuesOf(type: FailoverRecordType, value: string | undefined): string[] {
  return value === undefined ? [] : value.split(",").map((part) => canonicalRecordValue(type, part.trim()));
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && [...a].sort().every((value, index) => value === [...b].sort()[index]);
}
