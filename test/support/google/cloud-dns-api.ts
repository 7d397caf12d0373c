/**
 * Cloud DNS v1 for tests: managed zones, record sets and changes, with Google's semantics.
 * A change applies atomically: every deletion must match a live record set exactly (name,
 * type, ttl, rrdatas) or the whole change fails with 412 conditionNotMet; deleting a set that
 * is not there is 404 notFound; adding one that is there is 409 alreadyExists. A change is
 * `pending` when created and `done` when next read, so clients must poll. Bodies are checked
 * strictly (unknown fields, names outside the zone, CNAME data without the final dot). A
 * CNAME's data is kept in a spelling of its own (lower case), whatever case was written: a
 * client must compare values as DNS names, not as text.
 */

export interface RecordSet {
  name: string;
  type: string;
  ttl: number;
  rrdatas: string[];
}

interface Zone {
  name: string;
  dnsName: string;
  /** What managedZones.get says the dnsName is, when a test makes it lie. */
  reportedDnsName?: { value: unknown };
  visibility: "public" | "private";
  records: RecordSet[];
  changes: Map<string, { id: string; status: "pending" | "done"; additions: RecordSet[]; deletions: RecordSet[] }>;
}

export interface ApiAnswer {
  status: number;
  body: unknown;
}

const TYPES = ["A", "AAAA", "CNAME", "TXT", "NS", "SOA"];

export class CloudDnsApi {
  private readonly zones = new Map<string, Zone>();
  private changeCounter = 0;

  addZone(project: string, name: string, dnsName: string, visibility: "public" | "private" = "private"): void {
    this.zones.set(`${project}/${name}`, {
      name,
      dnsName,
      visibility,
      records: [
        { name: dnsName, type: "SOA", ttl: 21600, rrdatas: [`ns-cloud-a1.googledomains.com. cloud-dns-hostmaster.google.com. 1 21600 3600 259200 300`] },
      ],
      changes: new Map(),
    });
  }

  /** A hand change in the console: replaces (or removes, with no rrdatas) one record set. */
  setRecord(project: string, zone: string, set: RecordSet | { name: string; type: string; rrdatas: [] }): void {
    const found = this.zones.get(`${project}/${zone}`)!;
    found.records = found.records.filter((record) => !(record.name === set.name && record.type === set.type));
    if (set.rrdatas.length > 0) found.records.push(set as RecordSet);
  }

  /** A hostile Cloud DNS: managedZones.get answers `dnsName` (any JSON value) for this zone from now on; its record sets stay as they are. */
  reportDnsNameAs(project: string, zone: string, dnsName: unknown): void {
    this.zones.get(`${project}/${zone}`)!.reportedDnsName = { value: dnsName };
  }

  record(project: string, zone: string, name: string, type: string): RecordSet | undefined {
    return this.zones.get(`${project}/${zone}`)?.records.find((record) => record.name === name && record.type === type);
  }

  handle(method: string, path: string[], query: URLSearchParams, body: unknown): ApiAnswer {
    // path: projects/{p}/managedZones/{z}[/rrsets | /changes[/{id}]]
    if (path[0] !== "projects" || path[2] !== "managedZones" || path.length < 4) return error(404, "notFound", `The requested URL was not found.`);
    const zone = this.zones.get(`${path[1]}/${path[3]}`);
    if (!zone) return error(404, "notFound", `The 'parameters.managedZone' resource named '${path[3]}' does not exist.`);
    const rest = path.slice(4).join("/");
    if (method === "GET" && rest === "")
      return {
        status: 200,
        body: {
          kind: "dns#managedZone",
          name: zone.name,
          dnsName: zone.reportedDnsName ? zone.reportedDnsName.value : zone.dnsName,
          visibility: zone.visibility,
          id: "4242",
        },
      };
    if (method === "GET" && rest === "rrsets") {
      const name = query.get("name");
      const type = query.get("type");
      if (type && !name) return error(400, "invalid", "Invalid value for 'parameters.type': type requires name");
      const rrsets = zone.records.filter((record) => (!name || record.name === name) && (!type || record.type === type));
      return {
        status: 200,
        body: { kind: "dns#resourceRecordSetsListResponse", rrsets: rrsets.map((record) => ({ kind: "dns#resourceRecordSet", ...record })) },
      };
    }
    if (method === "POST" && rest === "changes") return this.createChange(zone, body);
    if (method === "GET" && path[4] === "changes" && path.length === 6) {
      const change = zone.changes.get(path[5]);
      if (!change) return error(404, "notFound", `The 'parameters.changeId' resource named '${path[5]}' does not exist.`);
      change.status = "done";
      return { status: 200, body: { kind: "dns#change", ...change } };
    }
    return error(404, "notFound", "The requested URL was not found.");
  }

  private createChange(zone: Zone, body: unknown): ApiAnswer {
    const problem = invalidChange(zone, body);
    if (problem) return error(400, "invalid", problem);
    const { additions = [], deletions = [] } = body as { additions?: RecordSet[]; deletions?: RecordSet[] };
    for (const [index, deletion] of deletions.entries()) {
      const live = zone.records.find((record) => record.name === deletion.name && record.type === deletion.type);
      if (!live) return error(404, "notFound", `The 'entity.change.deletions[${index}]' resource named '${deletion.name} (${deletion.type})' does not exist.`);
      if (live.ttl !== deletion.ttl || !sameData(live.rrdatas, deletion.rrdatas))
        return error(412, "conditionNotMet", `Precondition not met for 'entity.change.deletions[${index}]'`);
    }
    const remaining = zone.records.filter((record) => !deletions.some((deletion) => deletion.name === record.name && deletion.type === record.type));
    for (const [index, addition] of additions.entries()) {
      if (remaining.some((record) => record.name === addition.name && record.type === addition.type)) {
        return error(409, "alreadyExists", `The resource 'entity.change.additions[${index}]' named '${addition.name} (${addition.type})' already exists`);
      }
    }
    zone.records = [
      ...remaining,
      ...additions.map((addition) => ({
        name: addition.name,
        type: addition.type,
        ttl: addition.ttl,
        rrdatas: addition.type === "CNAME" ? addition.rrdatas.map((data) => data.toLowerCase()) : [...addition.rrdatas],
      })),
    ];
    const id = String(++this.changeCounter);
    const change = { id, status: "pending" as const, additions, deletions };
    zone.changes.set(id, change);
    return { status: 200, body: { kind: "dns#change", ...change, startTime: new Date().toISOString() } };
  }
}

function invalidChange(zone: Zone, body: unknown): string | undefined {
  if (!body || typeof body !== "object") return "Required field 'entity.change' not specified";
  const unknown = Object.keys(body).filter((key) => !["additions", "deletions", "kind"].includes(key));
  if (unknown.length) return `Invalid JSON payload received. Unknown name "${unknown[0]}" at 'change'`;
  const { additions = [], deletions = [] } = body as { additions?: unknown[]; deletions?: unknown[] };
  if (!Array.isArray(additions) || !Array.isArray(deletions)) return "Invalid JSON payload received: additions and deletions are lists";
  if (additions.length + deletions.length === 0) return "The 'entity.change' parameter is required but was missing.";
  for (const [field, sets] of [
    ["additions", additions],
    ["deletions", deletions],
  ] as const) {
    for (const [index, set] of sets.entries()) {
      const where = `entity.change.${field}[${index}]`;
      if (!set || typeof set !== "object") return `Invalid value for '${where}'`;
      const record = set as Record<string, unknown>;
      const extra = Object.keys(record).filter((key) => !["name", "type", "ttl", "rrdatas", "kind"].includes(key));
      if (extra.length) return `Invalid JSON payload received. Unknown name "${extra[0]}" at '${where}'`;
      if (typeof record.name !== "string" || !record.name.endsWith("."))
        return `Invalid value for '${where}.name': '${String(record.name)}' (a fully qualified name ending with a dot)`;
      if (record.name !== zone.dnsName && !record.name.endsWith(`.${zone.dnsName}`))
        return `The resource '${where}' named '${record.name}' is not within the zone '${zone.dnsName}'`;
      if (typeof record.type !== "string" || !TYPES.includes(record.type)) return `Invalid value for '${where}.type': '${String(record.type)}'`;
      if (!Number.isInteger(record.ttl) || (record.ttl as number) < 0) return `Invalid value for '${where}.ttl'`;
      if (!Array.isArray(record.rrdatas) || record.rrdatas.length === 0 || record.rrdatas.some((data) => typeof data !== "string"))
        return `Invalid value for '${where}.rrdatas'`;
      if (record.type === "CNAME" && (record.rrdatas.length !== 1 || !(record.rrdatas[0] as string).endsWith(".")))
        return `Invalid value for '${where}.rrdata[0]': a CNAME holds one fully qualified name ending with a dot`;
    }
  }
  return undefined;
}

function sameData(a: string[], b: string[]): boolean {
  return a.length === b.length && [...a].sort().every((value, index) => value === [...b].sort()[index]);
}

export function error(status: number, reason: string, message: string): ApiAnswer {
  const statusName: Record<number, string> = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    412: "FAILED_PRECONDITION",
  };
  return { status, body: { error: { code: status, message, errors: [{ domain: "global", reason, message }], status: statusName[status] ?? "UNKNOWN" } } };
}
