import { RecordFields, RecordOutsideZoneError, RecordStore, StoredRecord } from "../record-store";
import { zoneDnsNameProblem } from "../zone-dns-name";
import { isAlicloudCode } from "./alicloud-errors";
import { AlicloudClient } from "./openapi-client";
import { recordIdFrom } from "./record-id";
import { MAX_PAGES } from "./record-pages";

/**
 * One PrivateZone (2018-01-01) zone's records. PrivateZone has no "get one record" call, and
 * its update and delete calls take a RecordId of any zone: reads list the zone's records, and
 * a write first finds its record there, so a RecordId of another zone is never touched.
 */

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

export class PrivateZoneRecords implements RecordStore {
  readonly product = "PrivateZone";

  /** `zone` is the zone id, such as 6d83e3b31aa60ca4aaa7161f1b6baa95. */
  constructor(
    private readonly client: AlicloudClient,
    readonly zone: string,
  ) {}

  /** The zone's name (DescribeZoneInfo's ZoneName), such as dr.example.com: the zone id names no DNS name. */
  async zoneName(): Promise<string> {
    const answer = await this.client.call<{ ZoneName?: unknown }>("pvtz", "DescribeZoneInfo", { ZoneId: this.zone });
    const name = answer.ZoneName;
    const problem = zoneDnsNameProblem(name);
    if (problem !== undefined || typeof name !== "string")
      throw new Error(`PrivateZone DescribeZoneInfo ${this.zone}: the answer's ZoneName ${problem} (expected a DNS name such as dr.example.com)`);
    return name.replace(/\.$/, "").toLowerCase();
  }

  async find(rr: string): Promise<StoredRecord[]> {
    return (await this.list(rr)).filter((record) => record.rr === rr);
  }

  async get(recordId: string): Promise<StoredRecord | undefined> {
    try {
      return (await this.list()).find((record) => record.recordId === recordId);
    } catch (error) {
      if (isAlicloudCode(error, "Zone.NotExists") || isAlicloudCode(error, "Zone.Invalid")) return undefined;
      throw error;
    }
  }

  async create(record: RecordFields): Promise<string> {
    const answer = await this.client.call<{ RecordId: number | string }>("pvtz", "AddZoneRecord", { ZoneId: this.zone, ...wireFields(record) });
    return recordIdFrom(answer.RecordId, this.client, "pvtz", "AddZoneRecord");
  }

  /** `current` (the record as read) names where to look for it: its name in this zone. */
  async update(recordId: string, record: RecordFields, current?: Pick<StoredRecord, "rr">): Promise<void> {
    if (!(await this.holds(recordId, current?.rr))) throw new RecordOutsideZoneError(this.product, `RecordId ${recordId}`, this.zone);
    await this.client.call("pvtz", "UpdateZoneRecord", { RecordId: recordId, ...wireFields(record) });
  }

  /** A record this zone does not hold (any more) is left alone: it is gone, or another zone's. */
  async delete(recordId: string, current?: Pick<StoredRecord, "rr">): Promise<void> {
    if (!(await this.holds(recordId, current?.rr))) return;
    await this.client.call("pvtz", "DeleteZoneRecord", { RecordId: recordId });
  }

  private async holds(recordId: string, rr: string | undefined): Promise<boolean> {
    if (rr === undefined) return (await this.get(recordId)) !== undefined;
    return (await this.find(rr)).some((record) => record.recordId === recordId);
  }

  /** Every record of the zone (matching `keyword` when given), page by page. */
  private async list(keyword?: string): Promise<StoredRecord[]> {
    const records: StoredRecord[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const answer = await this.client.call<DescribeZoneRecordsAnswer>("pvtz", "DescribeZoneRecords", {
        ZoneId: this.zone,
        Keyword: keyword,
        SearchMode: keyword === undefined ? undefined : "EXACT",
        PageNumber: page,
        PageSize: PAGE_SIZE,
      });
      const batch = answer.Records?.Record ?? [];
      records.push(...batch.map((wire) => fromWire(wire, this.client)));
      if (batch.length < PAGE_SIZE || page >= (answer.TotalPages ?? page) || records.length >= (answer.TotalItems ?? Infinity)) return records;
    }
    throw new Error(`PrivateZone DescribeZoneRecords ${this.zone}: more than ${MAX_PAGES} pages`);
  }
}

function wireFields(record: RecordFields) {
  return { Rr: record.rr, Type: record.type, Value: record.value, Ttl: record.ttl };
}

function fromWire(wire: ZoneRecordWire, client: AlicloudClient): StoredRecord {
  return {
    recordId: recordIdFrom(wire.RecordId, client, "pvtz", "DescribeZoneRecords"),
    rr: wire.Rr,
    type: wire.Type,
    value: wire.Value,
    ttl: wire.Ttl,
    status: wire.Status,
  };
}
