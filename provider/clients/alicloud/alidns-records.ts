import { isAlicloudCode } from "./alicloud-errors";
import { DnsRecord, DnsRecordFields, DnsRecordsApi, MAX_PAGES } from "./dns-records";
import { AlicloudClient } from "./openapi-client";
import { recordIdFrom } from "./record-id";

/** Public Alibaba Cloud DNS (2015-01-09) records of a domain. */

interface DomainRecordWire {
  RecordId: string;
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

export class AlidnsRecords implements DnsRecordsApi {
  readonly product = "Alibaba Cloud DNS";

  constructor(private readonly client: AlicloudClient) {}

  async find(domain: string, rr: string): Promise<DnsRecord[]> {
    const records: DnsRecord[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const answer = await this.client.call<DescribeDomainRecordsAnswer>("alidns", "DescribeDomainRecords", { DomainName: domain, RRKeyWord: rr, PageNumber: page, PageSize: PAGE_SIZE });
      const batch = answer.DomainRecords?.Record ?? [];
      records.push(...batch.map((wire) => fromWire(wire, this.client, "DescribeDomainRecords")));
      if (batch.length < PAGE_SIZE || records.length >= (answer.TotalCount ?? Infinity)) break;
    }
    // RRKeyWord is a fuzzy match: "www" also finds "www2".
    return records.filter((record) => record.rr === rr);
  }

  async get(_domain: string, recordId: string): Promise<DnsRecord | undefined> {
    try {
      return fromWire(await this.client.call<DomainRecordWire>("alidns", "DescribeDomainRecordInfo", { RecordId: recordId }), this.client, "DescribeDomainRecordInfo");
    } catch (error) {
      if (isAlicloudCode(error, "DomainRecordNotBelongToUser") || isAlicloudCode(error, "InvalidRecordId")) return undefined;
      throw error;
    }
  }

  async add(domain: string, record: DnsRecordFields): Promise<string> {
    const answer = await this.client.call<{ RecordId: string }>("alidns", "AddDomainRecord", { DomainName: domain, ...wireFields(record) });
    return recordIdFrom(answer.RecordId, this.client, "alidns", "AddDomainRecord");
  }

  /** Alibaba DNS refuses an update to a record's current values (DomainRecordDuplicate): that is success here. */
  async update(recordId: string, record: DnsRecordFields): Promise<void> {
    try {
      await this.client.call("alidns", "UpdateDomainRecord", { RecordId: recordId, ...wireFields(record) });
    } catch (error) {
      if (!isAlicloudCode(error, "DomainRecordDuplicate")) throw error;
      const current = await this.get("", recordId);
      if (!current || current.value !== record.value || current.type !== record.type || current.rr !== record.rr || current.ttl !== record.ttl) throw error;
    }
  }

  async remove(recordId: string): Promise<void> {
    await this.client.call("alidns", "DeleteDomainRecord", { RecordId: recordId });
  }
}

function wireFields(record: DnsRecordFields) {
  return { RR: record.rr, Type: record.type, Value: record.value, TTL: record.ttl };
}

function fromWire(wire: DomainRecordWire, client: AlicloudClient, action: string): DnsRecord {
  return { recordId: recordIdFrom(wire.RecordId, client, "alidns", action), rr: wire.RR, type: wire.Type, value: wire.Value, ttl: wire.TTL, status: wire.Status };
}
