import { isAlicloudCode } from "./alicloud-errors";
import { DnsRecord, DnsRecordFields, DnsRecordsApi, MAX_PAGES } from "./dns-records";
import { AlicloudClient } from "./openapi-client";
import { recordIdFrom } from "./record-id";

/** PrivateZone (2018-01-01) records. It has no "get one record" call: reads list the zone's records. */

interface ZoneRecordWire {
  RecordId: number | string;
  Rr: string;
  Type: string;
  Value: string;
  Ttl: number;
  Status?: string;
}

interface DescribeZoneRecordsAnswer {
  TotalItems?: number;
  TotalPages?: number;
  Records?: { Record?: ZoneRecordWire[] };
}

const PAGE_SIZE = 100;

export class PrivateZoneRecords implements DnsRecordsApi {
  readonly product = "PrivateZone";

  constructor(private readonly client: AlicloudClient) {}

  async find(zoneId: string, rr: string): Promise<DnsRecord[]> {
    return (await this.list(zoneId, rr)).filter((record) => record.rr === rr);
  }

  async get(zoneId: string, recordId: string): Promise<DnsRecord | undefined> {
    try {
      return (await this.list(zoneId)).find((record) => record.recordId === recordId);
    } catch (error) {
      if (isAlicloudCode(error, "Zone.NotExists") || isAlicloudCode(error, "Zone.Invalid")) return undefined;
      throw error;
    }
  }

  async add(zoneId: string, record: DnsRecordFields): Promise<string> {
    const answer = await this.client.call<{ RecordId: number | string }>("pvtz", "AddZoneRecord", { ZoneId: zoneId, ...wireFields(record) });
    return recordIdFrom(answer.RecordId, this.client, "pvtz", "AddZoneRecord");
  }

  async update(recordId: string, record: DnsRecordFields): Promise<void> {
    await this.client.call("pvtz", "UpdateZoneRecord", { RecordId: recordId, ...wireFields(record) });
  }

  async remove(recordId: string): Promise<void> {
    await this.client.call("pvtz", "DeleteZoneRecord", { RecordId: recordId });
  }

  /** Every record of the zone (matching `keyword` when given), page by page. */
  private async list(zoneId: string, keyword?: string): Promise<DnsRecord[]> {
    const records: DnsRecord[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const answer = await this.client.call<DescribeZoneRecordsAnswer>("pvtz", "DescribeZoneRecords", { ZoneId: zoneId, Keyword: keyword, SearchMode: keyword === undefined ? undefined : "EXACT", PageNumber: page, PageSize: PAGE_SIZE });
      const batch = answer.Records?.Record ?? [];
      records.push(...batch.map((wire) => fromWire(wire, this.client)));
      if (batch.length < PAGE_SIZE || page >= (answer.TotalPages ?? page) || records.length >= (answer.TotalItems ?? Infinity)) return records;
    }
    throw new Error(`PrivateZone DescribeZoneRecords ${zoneId}: more than ${MAX_PAGES} pages`);
  }
}

function wireFields(record: DnsRecordFields) {
  return { Rr: record.rr, Type: record.type, Value: record.value, Ttl: record.ttl };
}

function fromWire(wire: ZoneRecordWire, client: AlicloudClient): DnsRecord {
  return { recordId: recordIdFrom(wire.RecordId, client, "pvtz", "DescribeZoneRecords"), rr: wire.Rr, type: wire.Type, value: wire.Value, ttl: wire.Ttl, status: wire.Status };
}
