import { randomBytes } from "node:crypto";
import { ParamSpec, ParamValue, listParam } from "./action-params";
import { AlicloudFault } from "./api-fault";
import type { ActionTable } from "./product-api";

/**
 * PrivateZone 2018-01-01, the calls the project makes and the ones tests use to set a zone
 * up: zones, their VPC set (BindZoneVpc replaces it), and records. Quirks kept: record ids
 * are numbers, `Ttl` takes only the documented values, a zone with VPCs cannot be deleted,
 * `DescribeZoneRecords` pages at most 100 and searches `LIKE` unless told `EXACT`. A CNAME's
 * target is kept in a spelling of its own (lower case, no final dot), whatever was written: a
 * client must compare values as DNS names, not as text.
 */

interface Zone {
  zoneId: string;
  zoneName: string;
  proxyPattern: string;
  remark?: string;
  vpcs: { RegionId: string; VpcId: string }[];
  createTimestamp: number;
}

interface ZoneRecord {
  recordId: number;
  zoneId: string;
  rr: string;
  type: string;
  value: string;
  ttl: number;
  priority?: number;
  status: "ENABLE" | "DISABLE";
  remark?: string;
  updateTimestamp: number;
}

export const PRIVATEZONE_TTLS = [5, 30, 60, 3600, 43200, 86400];
const RECORD_TYPES = ["A", "AAAA", "CNAME", "TXT", "MX", "PTR", "SRV"];
const PAGED: ParamSpec = { PageNumber: { kind: "integer", min: 1 }, PageSize: { kind: "integer", min: 1, max: 100 } };
const RECORD_FIELDS: ParamSpec = {
  Rr: { kind: "string", required: true },
  Type: { kind: "string", required: true, oneOf: RECORD_TYPES },
  Value: { kind: "string", required: true },
  Ttl: { kind: "integer" },
  Priority: { kind: "integer", min: 1, max: 99 },
  Line: { kind: "string" },
  Remark: { kind: "string" },
  ClientToken: { kind: "string" },
};

export class PrivateZoneApi {
  private readonly zones = new Map<string, Zone>();
  private readonly records = new Map<number, ZoneRecord>();
  private nextRecordId = 20_481_000_001;
  private readonly reportedZoneNames = new Map<string, unknown>();

  readonly actions: ActionTable = {
    AddZone: {
      params: {
        ZoneName: { kind: "string", required: true },
        ProxyPattern: { kind: "string", oneOf: ["ZONE", "RECORD"] },
        DnsGroup: { kind: "string", oneOf: ["NORMAL_ZONE", "FAST_ZONE"] },
        ResourceGroupId: { kind: "string" },
        ClientToken: { kind: "string" },
      },
      run: (p) => this.addZone(p),
    },
    DescribeZones: {
      params: {
        ...PAGED,
        Keyword: { kind: "string" },
        SearchMode: { kind: "string", oneOf: ["LIKE", "EXACT"] },
        QueryVpcId: { kind: "string" },
        QueryRegionId: { kind: "string" },
        ResourceGroupId: { kind: "string" },
      },
      run: (p) => this.describeZones(p),
    },
    DescribeZoneInfo: { params: { ZoneId: { kind: "string", required: true } }, run: (p) => this.zoneInfo(this.zone(p.ZoneId)) },
    BindZoneVpc: {
      params: {
        ZoneId: { kind: "string", required: true },
        "Vpcs.N.RegionId": { kind: "string" },
        "Vpcs.N.VpcId": { kind: "string" },
        ClientToken: { kind: "string" },
      },
      run: (p) => this.bindZoneVpc(p),
    },
    DeleteZone: { params: { ZoneId: { kind: "string", required: true }, ClientToken: { kind: "string" } }, run: (p) => this.deleteZone(p) },
    AddZoneRecord: { params: { ZoneId: { kind: "string", required: true }, ...RECORD_FIELDS }, run: (p) => this.addRecord(p) },
    UpdateZoneRecord: { params: { RecordId: { kind: "integer", required: true }, ...RECORD_FIELDS }, run: (p) => this.updateRecord(p) },
    DeleteZoneRecord: { params: { RecordId: { kind: "integer", required: true }, ClientToken: { kind: "string" } }, run: (p) => this.deleteRecord(p) },
    SetZoneRecordStatus: {
      params: { RecordId: { kind: "integer", required: true }, Status: { kind: "string", required: true, oneOf: ["ENABLE", "DISABLE"] } },
      run: (p) => this.setStatus(p),
    },
    DescribeZoneRecords: {
      params: {
        ...PAGED,
        ZoneId: { kind: "string", required: true },
        Keyword: { kind: "string" },
        SearchMode: { kind: "string", oneOf: ["LIKE", "EXACT"] },
        Tag: { kind: "string" },
      },
      run: (p) => this.describeRecords(p),
    },
  };

  private addZone(p: Record<string, ParamValue>) {
    const zoneName = String(p.ZoneName);
    if ([...this.zones.values()].some((zone) => zone.zoneName === zoneName))
      throw new AlicloudFault(400, "Zone.AlreadyExists", `The zone ${zoneName} already exists.`);
    const zone: Zone = {
      zoneId: randomBytes(16).toString("hex"),
      zoneName,
      proxyPattern: String(p.ProxyPattern ?? "ZONE"),
      vpcs: [],
      createTimestamp: Date.now(),
    };
    this.zones.set(zone.zoneId, zone);
    return { Success: true, ZoneId: zone.zoneId, ZoneName: zone.zoneName };
  }

  private describeZones(p: Record<string, ParamValue>) {
    const keyword = p.Keyword === undefined ? undefined : String(p.Keyword);
    const matches = (name: string) => keyword === undefined || (p.SearchMode === "EXACT" ? name === keyword : name.includes(keyword));
    const zones = [...this.zones.values()].filter(
      (zone) => matches(zone.zoneName) && (p.QueryVpcId === undefined || zone.vpcs.some((vpc) => vpc.VpcId === p.QueryVpcId)),
    );
    return page(zones, p, 20, (items) => ({
      Zones: {
        Zone: items.map((zone) => ({
          ZoneId: zone.zoneId,
          ZoneName: zone.zoneName,
          ProxyPattern: zone.proxyPattern,
          RecordCount: this.recordsOf(zone.zoneId).length,
          CreateTimestamp: zone.createTimestamp,
          Remark: zone.remark,
        })),
      },
    }));
  }

  /** A hostile PrivateZone: DescribeZoneInfo answers `zoneName` (any JSON value) for this zone from now on; its records stay as they are. */
  reportZoneNameAs(zoneId: string, zoneName: unknown): void {
    this.zone(zoneId);
    this.reportedZoneNames.set(zoneId, zoneName);
  }

  private zoneInfo(zone: Zone) {
    return {
      ZoneId: zone.zoneId,
      ZoneName: this.reportedZoneNames.has(zone.zoneId) ? this.reportedZoneNames.get(zone.zoneId) : zone.zoneName,
      ProxyPattern: zone.proxyPattern,
      RecordCount: this.recordsOf(zone.zoneId).length,
      CreateTimestamp: zone.createTimestamp,
      BindVpcs: { Vpc: zone.vpcs.map((vpc) => ({ ...vpc, VpcName: vpc.VpcId })) },
    };
  }

  private bindZoneVpc(p: Record<string, ParamValue>) {
    const zone = this.zone(p.ZoneId);
    const vpcs = listParam(p, "Vpcs").map((vpc) => {
      if (!vpc.RegionId || !vpc.VpcId) throw new AlicloudFault(400, "InvalidParameter", "Each Vpcs.N needs both RegionId and VpcId.");
      return { RegionId: String(vpc.RegionId), VpcId: String(vpc.VpcId) };
    });
    zone.vpcs = vpcs;
    return {};
  }

  private deleteZone(p: Record<string, ParamValue>) {
    const zone = this.zone(p.ZoneId);
    if (zone.vpcs.length > 0)
      throw new AlicloudFault(400, "Zone.VpcExists", `The zone ${zone.zoneName} is still bound to ${zone.vpcs.length} VPC(s): unbind them first.`);
    for (const record of this.recordsOf(zone.zoneId)) this.records.delete(record.recordId);
    this.zones.delete(zone.zoneId);
    return { ZoneId: zone.zoneId };
  }

  private addRecord(p: Record<string, ParamValue>) {
    const zone = this.zone(p.ZoneId);
    const fields = recordFields(p);
    this.checkCoexistence(zone.zoneId, fields);
    const record: ZoneRecord = { recordId: this.nextRecordId++, zoneId: zone.zoneId, ...fields, status: "ENABLE", updateTimestamp: Date.now() };
    this.records.set(record.recordId, record);
    return { Success: true, RecordId: record.recordId };
  }

  private updateRecord(p: Record<string, ParamValue>) {
    const record = this.record(p.RecordId);
    const fields = recordFields(p);
    this.checkCoexistence(record.zoneId, fields, record.recordId);
    Object.assign(record, fields, { updateTimestamp: Date.now() });
    return { RecordId: record.recordId };
  }

  private deleteRecord(p: Record<string, ParamValue>) {
    const record = this.record(p.RecordId);
    this.records.delete(record.recordId);
    return { RecordId: record.recordId };
  }

  private setStatus(p: Record<string, ParamValue>) {
    const record = this.record(p.RecordId);
    record.status = p.Status as ZoneRecord["status"];
    return { RecordId: record.recordId, Status: record.status };
  }

  private describeRecords(p: Record<string, ParamValue>) {
    const zone = this.zone(p.ZoneId);
    const keyword = p.Keyword === undefined ? undefined : String(p.Keyword);
    // LIKE (the default) matches the keyword anywhere in the RR or the value.
    const matches = (record: ZoneRecord) =>
      keyword === undefined ||
      (p.SearchMode === "EXACT" ? record.rr === keyword || record.value === keyword : record.rr.includes(keyword) || record.value.includes(keyword));
    return page(this.recordsOf(zone.zoneId).filter(matches), p, 20, (items) => ({
      Records: {
        Record: items.map((r) => ({
          RecordId: r.recordId,
          Rr: r.rr,
          Type: r.type,
          Value: r.value,
          Ttl: r.ttl,
          Priority: r.priority,
          Status: r.status,
          Remark: r.remark,
          UpdateTimestamp: r.updateTimestamp,
        })),
      },
    }));
  }

  /** A CNAME is alone at its name (RFC 1034); the same record twice is refused. */
  private checkCoexistence(zoneId: string, fields: ReturnType<typeof recordFields>, self?: number): void {
    const others = this.recordsOf(zoneId).filter((record) => record.rr === fields.rr && record.recordId !== self);
    if (others.some((record) => record.type === fields.type && record.value === fields.value))
      throw new AlicloudFault(400, "Record.Invalid.Conflict", `A ${fields.type} record ${fields.rr} -> ${fields.value} already exists.`);
    if (others.length > 0 && (fields.type === "CNAME" || others.some((record) => record.type === "CNAME")))
      throw new AlicloudFault(400, "Record.Invalid.Conflict", `A CNAME record cannot share the name ${fields.rr} with another record.`);
  }

  private recordsOf(zoneId: string): ZoneRecord[] {
    return [...this.records.values()].filter((record) => record.zoneId === zoneId).sort((a, b) => a.recordId - b.recordId);
  }

  private zone(id: ParamValue | undefined): Zone {
    const zone = this.zones.get(String(id));
    if (!zone) throw new AlicloudFault(400, "Zone.Invalid.Id", `The zone ${id} does not exist.`);
    return zone;
  }

  private record(id: ParamValue | undefined): ZoneRecord {
    const record = this.records.get(Number(id));
    // Named after the documented Zone.Invalid.Id.
    if (!record) throw new AlicloudFault(400, "Record.Invalid.Id", `The record ${id} does not exist.`);
    return record;
  }
}

function recordFields(p: Record<string, ParamValue>) {
  const ttl = Number(p.Ttl ?? 60);
  if (!PRIVATEZONE_TTLS.includes(ttl)) throw new AlicloudFault(400, "Record.Invalid.Ttl", `Ttl must be one of ${PRIVATEZONE_TTLS.join(", ")}; got ${ttl}.`);
  if (p.Type === "MX" && p.Priority === undefined) throw new AlicloudFault(400, "MissingParameter", "An MX record needs Priority.");
  return {
    rr: String(p.Rr),
    type: String(p.Type),
    value: p.Type === "CNAME" ? String(p.Value).replace(/\.$/, "").toLowerCase() : String(p.Value),
    ttl,
    priority: p.Priority === undefined ? undefined : Number(p.Priority),
    remark: p.Remark === undefined ? undefined : String(p.Remark),
  };
}

/** Alibaba's RPC paging: PageNumber from 1, TotalItems and TotalPages beside the items. */
function page<T>(items: T[], p: Record<string, ParamValue>, defaultSize: number, shape: (items: T[]) => object) {
  const pageNumber = Number(p.PageNumber ?? 1);
  const pageSize = Number(p.PageSize ?? defaultSize);
  const slice = items.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
  return { TotalItems: items.length, TotalPages: Math.ceil(items.length / pageSize), PageNumber: pageNumber, PageSize: pageSize, ...shape(slice) };
}
