/**
 * One DNS record, and the operations failover needs on it, the same for Alibaba's
 * PrivateZone (zone id) and public Alibaba Cloud DNS (domain name): the two APIs name the
 * same fields differently (`Rr`/`RR`, `Ttl`/`TTL`), and only here is that visible.
 */

export interface DnsRecord {
  recordId: string;
  /** The name within the zone: "@" for the apex. */
  rr: string;
  type: string;
  value: string;
  ttl: number;
  /** "ENABLE" / "DISABLE" (either case, by product). */
  status?: string;
}

export type DnsRecordFields = Omit<DnsRecord, "recordId" | "status">;

export interface DnsRecordsApi {
  /** "PrivateZone" or "Alibaba Cloud DNS", for messages. */
  readonly product: string;
  /** Records with exactly this RR (any type). */
  find(zone: string, rr: string): Promise<DnsRecord[]>;
  /** The record, or undefined when it no longer exists. */
  get(zone: string, recordId: string): Promise<DnsRecord | undefined>;
  add(zone: string, record: DnsRecordFields): Promise<string>;
  update(recordId: string, record: DnsRecordFields): Promise<void>;
  remove(recordId: string): Promise<void>;
}

/** A listing longer than this is a paging bug (ours or the server's), not data. */
export const MAX_PAGES = 1000;
