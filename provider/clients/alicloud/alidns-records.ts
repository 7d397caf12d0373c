import { RecordFields, RecordOutsideZoneError, RecordStore, StoredRecord } from "../record-store";
import { isAlicloudCode } from "./alicloud-errors";
import { AlicloudClient } from "./openapi-client";
import { recordIdFrom } from "./record-id";
import { MAX_PAGES } from "./record-pages";
import { sameRecordValue } from "../record-value";

/**
 * One domain's records in public Alibaba Cloud DNS (2015-01-09). Its record calls take a
 * RecordId of any domain in the account: a record read by id counts only when Alibaba says it
 * belongs to this domain, and a write first reads it so, so another domain's record is never touched.
 */

interface DomainRecordWire {
  RecordId: string;
  DomainName?: string;
  RR: string;
  Type: string;
  Value: string;
  TTL: number;
  Status?: string;
}

interface DescribeDomainRecordsAnswer {
  TotalCount?: number;
  DomainRecords?: { Record?: DomainRecordWire[] };
}

const PAGE_SIZE = 500;

export class AlidnsRecords implements RecordStore {
  readonly product = "Alibaba Cloud DNS";

  /** `zone` is the domain name, such as example.com. */
  constructor(
    private readonly client: AlicloudClient,
    readonly zone: string,
  ) {}

  /** The domain is the zone's DNS name. */
  async zoneName(): Promise<string> {
    return this.zone.replace(/\.$/, "").toLowerCase();
  }

  async find(rr: string): Promise<StoredRecord[]> {
    const records: StoredRecord[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const answer = await this.client.call<DescribeDomainRecordsAnswer>("alidns", "DescribeDomainRecords", {
        DomainName: this.zone,
        RRKeyWord: rr,
        PageNumber: page,
        PageSize: PAGE_SIZE,
      });
      const batch = answer.DomainRecords?.Record ?? [];
      records.push(...batch.map((wire) => fromWire(wire, this.client, "DescribeDomainRecords")));
      if (batch.length < PAGE_SIZE || records.length >= (answer.TotalCount ?? Infinity)) break;
    }
    // RRKeyWord is a fuzzy match: "www" also finds "www2".
    return records.filter((record) => record.rr === rr);
  }

  async get(recordId: string): Promise<StoredRecord | undefined> {
    let wire: DomainRecordWire;
    try {
      wire = await this.client.call<DomainRecordWire>("alidns", "DescribeDomainRecordInfo", { RecordId: recordId });
    } catch (error) {
      if (isAlicloudCode(error, "DomainRecordNotBelongToUser") || isAlicloudCode(error, "InvalidRecordId")) return undefined;
      throw error;
    }
    return this.inZone(wire.DomainName) ? fromWire(wire, this.client, "DescribeDomainRecordInfo") : undefined;
  }

  async create(record: RecordFields): Promise<string> {
    const answer = await this.client.call<{ RecordId: string }>("alidns", "AddDomainRecord", { DomainName: this.zone, ...wireFields(record) });
    return recordIdFrom(answer.RecordId, this.client, "alidns", "AddDomainRecord");
  }

  /** Alibaba DNS refuses an update to a record's current values (DomainRecordDuplicate): that is success here. */
  async update(recordId: string, record: RecordFields): Promise<void> {
    if (!(await this.get(recordId))) throw new RecordOutsideZoneError(this.product, `RecordId ${recordId}`, this.zone);
    try {
      await this.client.call("alidns", "UpdateDomainRecord", { RecordId: recordId, ...wireFields(record) });
    } catch (error) {
      if (!isAlicloudCode(error, "DomainRecordDuplicate")) throw error;
      const current = await this.get(recordId);
      if (
        !current ||
        !sameRecordValue(record.type, current.value, record.value) ||
        current.type !== record.type ||
        current.rr !== record.rr ||
        current.ttl !== record.ttl
      )
        throw error;
    }
  }

  /** A record this domain does not hold (any more) is left alone: it is gone, or another domain's. */
  async delete(recordId: string): Promise<void> {
    if (!(await this.get(recordId))) return;
    await this.client.call("alidns", "DeleteDomainRecord", { RecordId: recordId });
  }

  private inZone(domainName: unknown): boolean {
    return typeof domainName === "string" && domainName.replace(/\.$/, "").toLowerCase() === this.zone.replace(/\.$/, "").toLowerCase();
  }
}

function wireFields(record: RecordFields) {
  return { RR: record.rr, Type: record.type, Value: record.value, TTL: record.ttl };
}

function fromWire(wire: DomainRecordWire, client: AlicloudClient, action: string): StoredRecord {
  return {
    recordId: recordIdFrom(wire.RecordId, client, "alidns", action),
    rr: wire.RR,
    type: wire.Type,
    value: wire.Value,
    ttl: wire.TTL,
    status: wire.Status,
  };
}
