import { RecordFields, RecordOutsideZoneError, RecordStore, StoredRecord } from "../record-store";
import { DnsError } from "./dns-errors";
import { canonicalValue, FailoverRecordType } from "./record-data";
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

  constructor(zone: string, options: Rfc2136RecordsOptions) {
    this.zone = zone.replace(/\.$/, "").toLowerCase();
    this.clients = options.servers.map((server) => new Rfc2136Client({ ...options, server }));
    this.product = `DNS server${this.clients.length > 1 ? "s" : ""} ${this.clients.map((client) => client.where).join(", ")}`;
  }

  /** Records at this name of the types a failover record may have, as the first server holds them. */
  async find(rr: string): Promise<StoredRecord[]> {
    const found = await Promise.all(TYPES.map((type) => this.get(recordId(this.absolute(rr), type))));
    return found.filter((record): record is StoredRecord => record !== undefined);
  }

  /** The record as the first server holds it; the others are compared on every write. */
  async get(id: string): Promise<StoredRecord | undefined> {
    const { name, type } = this.parseRecordId(id);
    const set = await this.clients[0].query(name, type);
    if (set.values.length === 0) return undefined;
    return { recordId: id, rr: this.relative(name), type, value: set.values.join(","), ttl: set.ttl ?? 0 };
  }

  /** Creates the record on every server where it does not exist yet; refuses where it does. */
  async create(record: RecordFields): Promise<string> {
    const id = recordId(this.absolute(record.rr), record.type as FailoverRecordType);
    await this.onEachServer(id, record.value, record.ttl, undefined);
    return id;
  }

  /** Sets the value on every server that holds `current.value` (or already the new value); refuses a server holding anything else. */
  async update(id: string, record: RecordFields, current?: { value: string }): Promise<void> {
    await this.onEachServer(id, record.value, record.ttl, current?.value);
  }

  async delete(id: string, current?: { value: string }): Promise<void> {
    await this.onEachServer(id, undefined, 0, current?.value);
  }

  /**
   * Brings each server to `value` (undefined: no record) from `expected` (undefined: no record).
   * A server already there is left alone, so a run that stopped half way is finished by the next;
   * each write is still a compare-and-swap against what that server was just seen to hold.
   */
  private async onEachServer(id: string, value: string | undefined, ttl: number, expected: string | undefined): Promise<void> {
    const { name, type } = this.parseRecordId(id);
    const target = value === undefined ? [] : [canonicalValue(type, value)];
    // Every server is read and judged before any is written, so a refusal leaves them all as they were.
    const plans = await Promise.all(
      this.clients.map(async (client) => {
        const live = await client.query(name, type);
        const done = sameSet(live.values, target) && (value === undefined || live.ttl === ttl);
        const allowed =
          sameSet(live.values, target) || (expected === undefined ? live.values.length === 0 : sameSet(live.values, [canonicalValue(type, expected)]));
        if (!allowed) {
          throw new DnsError(
            `${client.where}: ${type} record ${name} holds ${live.values.join(", ") || "nothing"}, not ${expected ?? "nothing"} as last read: it was changed meanwhile, so nothing was written. Refresh (pulumi refresh), then run again`,
            { host: client.where, call: `UPDATE ${name} ${type}`, code: "CHANGED" },
          );
        }
        return { client, held: live.values, done };
      }),
    );
    for (const { client, held, done } of plans) {
      if (done) continue;
      await client.update({ zone: this.zone, name, type, ttl, expect: held.length === 0 ? "absent" : held, values: value === undefined ? [] : [value] });
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

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && [...a].sort().every((value, index) => value === [...b].sort()[index]);
}
