import { setTimeout as sleep } from "node:timers/promises";
import { GoogleApi, segment } from "./google-api";
import { GoogleApiError } from "./google-errors";
import { zoneDnsNameProblem } from "../zone-dns-name";

/**
 * Google Cloud DNS v1: the calls a failover record needs. A flip is one change with the record
 * set as it was read in `deletions` and the new one in `additions`: Cloud DNS applies it only
 * if the deletion still matches the live set exactly, else answers 412 conditionNotMet and
 * changes nothing, so a concurrent edit is never overwritten. (PATCH on an rrset has no such
 * condition: last writer wins; it is not used.)
 */

export interface ResourceRecordSet {
  /** Absolute, with the final dot: "registry.dr.example.com." */
  name: string;
  type: string;
  ttl: number;
  rrdatas: string[];
}

export interface ManagedZone {
  name: string;
  dnsName: string;
  visibility?: string;
}

interface Change {
  id: string;
  status: "pending" | "done";
}

const POLL_DEADLINE_MS = 120_000;

export class CloudDns {
  constructor(
    private readonly api: GoogleApi,
    private readonly project: string,
  ) {}

  get host(): string {
    return this.api.host;
  }

  async zone(zone: string): Promise<ManagedZone> {
    const found = await this.api.request<ManagedZone>("GET", `projects/${segment(this.project, "project")}/managedZones/${segment(zone, "managed zone")}`);
    const problem = zoneDnsNameProblem(found.dnsName) ?? (found.dnsName.endsWith(".") ? undefined : "has no final dot (Cloud DNS names are absolute)");
    if (problem !== undefined)
      throw new GoogleApiError(`${this.host}: managed zone ${zone}: the answer's dnsName ${problem} (expected a DNS name such as dr.example.com.)`, {
        host: this.host,
      });
    return found;
  }

  /** The record set of this name and type, or undefined. */
  async recordSet(zone: string, name: string, type: string): Promise<ResourceRecordSet | undefined> {
    const answer = await this.api.request<{ rrsets?: ResourceRecordSet[] }>(
      "GET",
      `projects/${segment(this.project, "project")}/managedZones/${segment(zone, "managed zone")}/rrsets`,
      { query: { name, type } },
    );
    const sets = (answer.rrsets ?? []).filter((set) => set.name === name && set.type === type);
    if (sets.length > 1)
      throw new GoogleApiError(`${this.host}: ${name} ${type}: the answer lists ${sets.length} record sets for one name and type`, { host: this.host });
    const set = sets[0];
    if (set && (!Array.isArray(set.rrdatas) || set.rrdatas.some((data) => typeof data !== "string") || !Number.isInteger(set.ttl))) {
      throw new GoogleApiError(`${this.host}: ${name} ${type}: the record set in the answer is malformed`, { host: this.host });
    }
    return set && { name: set.name, type: set.type, ttl: set.ttl, rrdatas: set.rrdatas };
  }

  /** Applies deletions and additions atomically and waits until Cloud DNS says done. */
  async change(zone: string, change: { additions: ResourceRecordSet[]; deletions: ResourceRecordSet[] }, signal?: AbortSignal): Promise<void> {
    const base = `projects/${segment(this.project, "project")}/managedZones/${segment(zone, "managed zone")}/changes`;
    let current = await this.api.request<Change>("POST", base, { body: change });
    const deadline = Date.now() + POLL_DEADLINE_MS;
    for (let delay = 250; current.status !== "done"; delay = Math.min(delay * 2, 5000)) {
      if (current.status !== "pending")
        throw new GoogleApiError(`${this.host}: change ${String(current.id).slice(0, 40)}: unexpected status ${JSON.stringify(current.status)}`, {
          host: this.host,
        });
      if (Date.now() > deadline)
        throw new GoogleApiError(`${this.host}: change ${current.id} still pending after ${POLL_DEADLINE_MS / 1000} s`, { host: this.host, retryable: true });
      await sleep(delay, undefined, { signal });
      current = await this.api.request<Change>("GET", `${base}/${segment(String(current.id), "change id")}`);
    }
  }
}
