/**
 * The records of one DNS zone, as the failover switch reads and writes them, whatever the
 * backend: Alibaba PrivateZone, Alibaba Cloud DNS, Google Cloud DNS or a data-center server
 * taking RFC 2136 updates. A store is bound to its zone when it is made, so no call can name
 * another zone, and a record id or name outside that zone is refused, never followed.
 *
 * It lives here, beside the clients rather than in provider/failover, because each vendor's
 * store declares that it implements it and clients never import upwards.
 */

export interface StoredRecord {
  /** The backend's id: Alibaba's RecordId, or "absolute.name/TYPE" where records have no id. */
  recordId: string;
  /** The name within the zone: "@" for the apex. */
  rr: string;
  type: string;
  /** Several values joined by commas; a CNAME target without the final dot. */
  value: string;
  ttl: number;
  /** "ENABLE" / "DISABLE" (either case) where the backend has it. */
  status?: string;
  /**
   * Backends that write several servers (RFC 2136 primaries): the record as each one holds it.
   * When they disagree, `value` describes the split and equals no site's value, so nothing
   * takes a half-done flip for a done one.
   */
  servers?: ServerView[];
}

/** One server's copy of a record. */
export interface ServerView {
  /** "host:port" */
  server: string;
  /** Its values joined by commas; undefined when the server holds no such record. */
  value?: string;
  ttl?: number;
}

export type RecordFields = Omit<StoredRecord, "recordId" | "status" | "servers">;

export interface RecordStore {
  /** The backend and where it is, for messages: "PrivateZone", "Cloud DNS (project p, managed zone z)". */
  readonly product: string;
  /** The zone every call is about, as the backend names it (a zone id, a domain, a zone name, a managed zone). */
  readonly zone: string;
  /** The zone's DNS name, lower-case, without the final dot (for a zone id or a managed zone's name, as the API gives it). */
  zoneName(): Promise<string>;
  /** The records with exactly this name (any type). */
  find(rr: string): Promise<StoredRecord[]>;
  /** The record, or undefined when the zone no longer holds it. */
  get(recordId: string): Promise<StoredRecord | undefined>;
  /** Writes a new record; returns its id. */
  create(record: RecordFields): Promise<string>;
  /**
   * `current` is the record as it was read: backends that can make it the write's precondition do
   * (with several servers, each server's own copy is its precondition). A write that does not go
   * through on every server throws a RecordWriteError naming each server that did not take it.
   */
  update(recordId: string, record: RecordFields, current: StoredRecord): Promise<void>;
  delete(recordId: string, current: StoredRecord): Promise<void>;
}

/** A record id or name that is not in the store's zone: nothing was read or written. */
export class RecordOutsideZoneError extends Error {
  override name = "RecordOutsideZoneError";

  constructor(product: string, what: string, zone: string) {
    super(`${product}: ${what} is not in zone ${zone}, the zone this record store is bound to, so nothing was read or written there`);
  }
}

/** A write that some servers of a several-server backend did not take; the others were written. */
export class RecordWriteError extends Error {
  override name = "RecordWriteError";

  /** `failed`: each server that did not take the write, and why. */
  constructor(
    message: string,
    readonly failed: { server: string; reason: string }[],
  ) {
    super(message);
  }
}
