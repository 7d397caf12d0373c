import { RecordFields, RecordOutsideZoneError, RecordStore, StoredRecord } from "../record-store";
import { CloudDns, ResourceRecordSet } from "./cloud-dns";
import { GoogleApiError, isGoogleStatus } from "./google-errors";

/**
 * One managed zone's failover records, as a record store. Every write is one Cloud
 * DNS change carrying the record set as it was read in `deletions`: Cloud DNS applies it only
 * while the live set is exactly that, so a change made meanwhile is refused (412
 * conditionNotMet), never overwritten. A record set has no id of its own: the id here is its
 * absolute name and type ("registry.dr.example.com/CNAME"), and an id outside the zone's DNS
 * name is refused. Values hold a CNAME without its final dot, as users write it.
 */

const TYPES = ["A", "AAAA", "CNAME"] as const;

/** A write refused because the record is no longer what was read. */
export class RecordChangedError extends Error {
  override name = "RecordChangedError";
}

export class CloudDnsRecords implements RecordStore {
  readonly product: string;
  private dnsName?: Promise<string>;

  /** `zone` is the managed zone's name (dr-zone), not its DNS name. */
  constructor(
    private readonly dns: CloudDns,
    readonly zone: string,
    project: string,
  ) {
    this.product = `Cloud DNS (project ${project}, managed zone ${zone})`;
  }

  /** Record sets at this name of the types a failover record may have. */
  async find(rr: string): Promise<StoredRecord[]> {
    const name = await this.absolute(rr);
    const found = await Promise.all(TYPES.map((type) => this.get(recordId(name, type))));
    return found.filter((record): record is StoredRecord => record !== undefined);
  }

  async get(id: string): Promise<StoredRecord | undefined> {
    const { name, type } = await this.parseRecordId(id);
    const set = await this.dns.recordSet(this.zone, `${name}.`, type);
    return set && { recordId: id, rr: await this.relative(name), type, value: valueOf(set), ttl: set.ttl };
  }

  async create(record: RecordFields): Promise<string> {
    const set = await this.recordSet(record);
    try {
      await this.dns.change(this.zone, { additions: [set], deletions: [] });
    } catch (error) {
      if (isGoogleStatus(error, 409))
        throw new RecordChangedError(
          `${this.product}: ${record.type} record ${set.name} was created by someone else since it was read (409 alreadyExists), so nothing was written. Run \`pulumi refresh\`, then \`pulumi up\``,
        );
      throw error;
    }
    return recordId(set.name.slice(0, -1), record.type);
  }

  /** Replaces `current` (the set as read) with `record`, in one change. */
  async update(id: string, record: RecordFields, current: StoredRecord): Promise<void> {
    await this.parseRecordId(id);
    await this.apply(id, { additions: [await this.recordSet(record)], deletions: [await this.recordSet(current)] });
  }

  async delete(id: string, current?: StoredRecord): Promise<void> {
    await this.parseRecordId(id);
    const live = current ?? (await this.get(id));
    if (!live) return;
    try {
      await this.apply(id, { additions: [], deletions: [await this.recordSet(live)] });
    } catch (error) {
      if (!isGoogleStatus(error, 404)) throw error; // already gone
    }
  }

  private async apply(id: string, change: { additions: ResourceRecordSet[]; deletions: ResourceRecordSet[] }): Promise<void> {
    try {
      await this.dns.change(this.zone, change);
    } catch (error) {
      if (!isGoogleStatus(error, 412)) throw error;
      const { name, type } = await this.parseRecordId(id);
      throw new RecordChangedError(
        `${this.product}: ${type} record ${name} changed since it was read (412 conditionNotMet: the change's deletion no longer matches the live record set), so nothing was written. ` +
          "Run `pulumi refresh` to record what it holds now, then `pulumi up`",
      );
    }
  }

  private async recordSet(record: RecordFields): Promise<ResourceRecordSet> {
    const values = record.value.split(",");
    return {
      name: `${await this.absolute(record.rr)}.`,
      type: record.type,
      ttl: record.ttl,
      rrdatas: record.type === "CNAME" ? values.map((value) => `${value.replace(/\.$/, "")}.`) : values,
    };
  }

  /** The managed zone's dnsName without the final dot, asked once. */
  zoneName(): Promise<string> {
    this.dnsName ??= this.dns.zone(this.zone).then((zone) => zone.dnsName.replace(/\.$/, "").toLowerCase());
    this.dnsName.catch(() => (this.dnsName = undefined));
    return this.dnsName;
  }

  private async absolute(rr: string): Promise<string> {
    const zone = await this.zoneName();
    return rr === "@" ? zone : `${rr.toLowerCase()}.${zone}`;
  }

  /** The id's name (lower-case, no final dot) and type; a name outside the zone's DNS name is refused before any call. */
  private async parseRecordId(id: string): Promise<{ name: string; type: (typeof TYPES)[number] }> {
    const slash = id.lastIndexOf("/");
    const type = id.slice(slash + 1) as (typeof TYPES)[number];
    if (slash < 1 || !TYPES.includes(type)) throw new RangeError(`not a Cloud DNS record id: ${JSON.stringify(id)} (expected name/TYPE)`);
    const name = id.slice(0, slash).replace(/\.$/, "").toLowerCase();
    const zone = await this.zoneName();
    if (name !== zone && !name.endsWith(`.${zone}`)) throw new RecordOutsideZoneError(this.product, `${type} record ${name}`, `${this.zone} (${zone})`);
    return { name, type };
  }

  private async relative(name: string): Promise<string> {
    const zone = await this.zoneName();
    if (name === zone) return "@";
    if (!name.endsWith(`.${zone}`))
      throw new GoogleApiError(`${this.dns.host}: ${name} is not within managed zone ${this.zone} (${zone})`, { host: this.dns.host });
    return name.slice(0, -(zone.length + 1));
  }
}

function valueOf(set: ResourceRecordSet): string {
  return set.rrdatas.map((data) => (set.type === "CNAME" ? data.replace(/\.$/, "") : data)).join(",");
}

function recordId(name: string, type: string): string {
  return `${name}/${type}`;
}
