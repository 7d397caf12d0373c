import { ParamSpec, ParamValue } from "./action-params";
import { AlicloudFault } from "./api-fault";
import type { ActionTable } from "./product-api";

/**
 * Alibaba Cloud DNS 2015-01-09 (public DNS), the record calls the project makes. Quirks
 * kept: record ids are digit strings; an update to the record's current values fails with
 * `DomainRecordDuplicate`; a record id that is unknown (or another account's) is
 * `DomainRecordNotBelongToUser`; `RRKeyWord` matches anywhere in the RR; the TTL floor
 * depends on the domain's edition (600 s on the free one).
 */

interface Domain {
  name: string;
  minTtl: number;
}

interface DomainRecord {
  recordId: string;
  domainName: string;
  rr: string;
  type: string;
  value: string;
  ttl: number;
  line: string;
  priority?: number;
  status: "ENABLE" | "DISABLE";
}

const RECORD_TYPES = ["A", "AAAA", "CNAME", "NS", "MX", "TXT", "SRV", "CAA", "REDIRECT_URL", "FORWARD_URL"];
const RECORD_FIELDS: ParamSpec = {
  RR: { kind: "string", required: true },
  Type: { kind: "string", required: true, oneOf: RECORD_TYPES },
  Value: { kind: "string", required: true },
  TTL: { kind: "integer" },
  Priority: { kind: "integer", min: 1, max: 50 },
  Line: { kind: "string" },
};

export class AlidnsApi {
  private readonly domains = new Map<string, Domain>();
  private readonly records = new Map<string, DomainRecord>();
  private nextRecordId = 1_890_000_000_000_000_001n;

  readonly actions: ActionTable = {
    AddDomainRecord: { params: { DomainName: { kind: "string", required: true }, ...RECORD_FIELDS }, run: (p) => this.add(p) },
    UpdateDomainRecord: { params: { RecordId: { kind: "string", required: true }, ...RECORD_FIELDS }, run: (p) => this.update(p) },
    DeleteDomainRecord: { params: { RecordId: { kind: "string", required: true } }, run: (p) => this.remove(p) },
    DescribeDomainRecordInfo: { params: { RecordId: { kind: "string", required: true } }, run: (p) => wire(this.record(p.RecordId)) },
    DescribeDomainRecords: {
      params: {
        DomainName: { kind: "string", required: true },
        PageNumber: { kind: "integer", min: 1 },
        PageSize: { kind: "integer", min: 1, max: 500 },
        KeyWord: { kind: "string" },
        RRKeyWord: { kind: "string" },
        TypeKeyWord: { kind: "string" },
        ValueKeyWord: { kind: "string" },
        SearchMode: { kind: "string", oneOf: ["LIKE", "EXACT", "ADVANCED"] },
        Type: { kind: "string", oneOf: RECORD_TYPES },
        Line: { kind: "string" },
        Status: { kind: "string", oneOf: ["Enable", "Disable"] },
        OrderBy: { kind: "string" },
        Direction: { kind: "string", oneOf: ["DESC", "ASC"] },
        GroupId: { kind: "integer" },
      },
      run: (p) => this.describe(p),
    },
  };

  addDomain(name: string, minTtl: number): void {
    this.domains.set(name, { name, minTtl });
  }

  private add(p: Record<string, ParamValue>) {
    const domain = this.domain(p.DomainName);
    const fields = this.fields(domain, p);
    if (this.recordsOf(domain.name).some((record) => sameValues(record, fields)))
      throw new AlicloudFault(400, "DomainRecordDuplicate", "The DNS record already exists.");
    if (this.recordsOf(domain.name).some((record) => record.rr === fields.rr && (record.type === "CNAME") !== (fields.type === "CNAME"))) {
      throw new AlicloudFault(400, "DomainRecordConflict", `A CNAME record conflicts with another record at ${fields.rr}.`);
    }
    const record: DomainRecord = { recordId: String(this.nextRecordId++), domainName: domain.name, ...fields, status: "ENABLE" };
    this.records.set(record.recordId, record);
    return { RecordId: record.recordId };
  }

  private update(p: Record<string, ParamValue>) {
    const record = this.record(p.RecordId);
    const fields = this.fields(this.domain(record.domainName), p);
    // Alibaba refuses an update that changes nothing, and one that would duplicate another record.
    const unchanged = sameValues(record, fields) && record.ttl === fields.ttl;
    if (unchanged || this.recordsOf(record.domainName).some((other) => other !== record && sameValues(other, fields)))
      throw new AlicloudFault(400, "DomainRecordDuplicate", "The DNS record already exists.");
    Object.assign(record, fields);
    return { RecordId: record.recordId };
  }

  private remove(p: Record<string, ParamValue>) {
    const record = this.record(p.RecordId);
    this.records.delete(record.recordId);
    return { RecordId: record.recordId };
  }

  private describe(p: Record<string, ParamValue>) {
    const domain = this.domain(p.DomainName);
    const rrKeyword = p.RRKeyWord === undefined ? undefined : String(p.RRKeyWord);
    const matching = this.recordsOf(domain.name).filter(
      (record) => (rrKeyword === undefined || record.rr.includes(rrKeyword)) && (p.Type === undefined || record.type === p.Type),
    );
    const pageNumber = Number(p.PageNumber ?? 1);
    const pageSize = Number(p.PageSize ?? 20);
    const slice = matching.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
    return { TotalCount: matching.length, PageNumber: pageNumber, PageSize: pageSize, DomainRecords: { Record: slice.map(wire) } };
  }

  private fields(domain: Domain, p: Record<string, ParamValue>) {
    const ttl = Number(p.TTL ?? 600);
    if (ttl < domain.minTtl || ttl > 86_400)
      throw new AlicloudFault(400, "QuotaExceeded.TTL", `The TTL of ${domain.name} must be ${domain.minTtl} to 86400 seconds on its edition; got ${ttl}.`);
    return {
      rr: String(p.RR),
      type: String(p.Type),
      value: String(p.Value),
      ttl,
      line: String(p.Line ?? "default"),
      priority: p.Priority === undefined ? undefined : Number(p.Priority),
    };
  }

  private recordsOf(domainName: string): DomainRecord[] {
    return [...this.records.values()].filter((record) => record.domainName === domainName);
  }

  private domain(name: ParamValue | undefined): Domain {
    const domain = this.domains.get(String(name));
    if (!domain) throw new AlicloudFault(400, "InvalidDomainName.NoExist", `The domain ${name} does not exist in this account.`);
    return domain;
  }

  private record(id: ParamValue | undefined): DomainRecord {
    const record = this.records.get(String(id));
    if (!record) throw new AlicloudFault(400, "DomainRecordNotBelongToUser", "The DNS record does not belong to this account.");
    return record;
  }
}

function sameValues(record: DomainRecord, fields: Omit<DomainRecord, "recordId" | "domainName" | "status">): boolean {
  return record.rr === fields.rr && record.type === fields.type && record.value === fields.value && record.line === fields.line;
}

function wire(record: DomainRecord) {
  return {
    RecordId: record.recordId,
    DomainName: record.domainName,
    RR: record.rr,
    Type: record.type,
    Value: record.value,
    TTL: record.ttl,
    Line: record.line,
    Priority: record.priority,
    Status: record.status,
    Locked: false,
  };
}
