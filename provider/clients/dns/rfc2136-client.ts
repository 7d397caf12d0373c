import { randomInt } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { DnsMessage, MessageWriter, OPCODE, parseMessage, RR_CLASS, RR_TYPE } from "./dns-message";
import { DnsError, DnsPrerequisiteError, DnsProtocolError, RCODE, TSIG_ERROR, describeRcode, rcodeName } from "./dns-errors";
import { DnsServerAddress, DnsTransportKind, exchange, formatServerAddress, parseServerAddress } from "./dns-transport";
import { canonicalRecordValue } from "../record-value";
import { FailoverRecordType, TYPE_CODES, decodeRecordData, encodeRecordData } from "./record-data";
import { SignedRequest, TsigKey, signMessage, verifyReply } from "./tsig";

/**
 * Dynamic updates (RFC 2136) to one primary DNS server, signed with TSIG, and direct queries to
 * the same server (never a resolver: a cache would answer with what the record was).
 *
 * Every change is a compare-and-swap: its prerequisite says what the record holds now (exactly
 * these values, or nothing), so a record someone else changed meanwhile is refused with
 * NXRRSET/YXRRSET and left as it is, instead of silently overwritten or merged.
 */

export interface Rfc2136Options {
  /** "host", "host:port" or "[IPv6]:port"; port 53 by default. */
  server: string;
  /** The TSIG key; without one, messages go unsigned (only for servers that allow that). */
  key?: TsigKey;
  /** UDP (falls back to TCP when a reply is truncated) or TCP. Default UDP, as nsupdate. */
  transport?: DnsTransportKind;
  timeoutMs?: number;
  /** Extra attempts after a timeout or a lost connection; each one signed afresh. */
  retries?: number;
  signal?: AbortSignal;
  /** Seconds since the epoch; tests move the clock. */
  now?: () => number;
}

export interface RecordSet {
  values: string[];
  ttl?: number;
}

export interface RecordChange {
  /** The zone's apex ("dr.example.com"). */
  zone: string;
  /** The record's absolute name ("registry.dr.example.com"). */
  name: string;
  type: FailoverRecordType;
  /** What the record must hold for the change to apply: exactly these values, or "absent". */
  expect: string[] | "absent";
  /** What it holds afterwards; empty to delete it. */
  values: string[];
  ttl: number;
}

const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_RETRIES = 2;

export class Rfc2136Client {
  readonly server: DnsServerAddress;
  readonly where: string;

  constructor(private readonly options: Rfc2136Options) {
    this.server = parseServerAddress(options.server);
    this.where = formatServerAddress(this.server);
  }

  /** The record as the server holds it now (no values when there is none). */
  async query(name: string, type: FailoverRecordType): Promise<RecordSet> {
    const call = `QUERY ${name} ${type}`;
    const build = (id: number) => new MessageWriter({ id, opcode: OPCODE.QUERY }).question(name, TYPE_CODES[type], RR_CLASS.IN).toBuffer();
    const { reply, message } = await this.send(call, build, OPCODE.QUERY, name);
    if (message.rcode !== RCODE.NOERROR && message.rcode !== RCODE.NXDOMAIN) {
      throw new DnsError(`${this.where}: ${call}: ${describeRcode(message.rcode, 0, { keyName: this.options.key?.name, zone: name })}`, {
        host: this.where,
        call,
        code: rcodeName(message.rcode),
      });
    }
    const question = message.questions[0];
    if (message.questions.length !== 1 || question.name !== canonicalName(name) || question.type !== TYPE_CODES[type]) {
      throw new DnsProtocolError(`${this.where}: ${call}: the reply answers another question`, { host: this.where, call });
    }
    const records = message.answers.filter((record) => record.name === canonicalName(name) && record.type === TYPE_CODES[type] && record.class === RR_CLASS.IN);
    const values = records.map((record) => decodeRecordData(type, reply, record.dataOffset, record.data.length, this.where));
    return { values: [...new Set(values)].sort(), ttl: records[0]?.ttl };
  }

  /**
   * Applies `change` if its prerequisite holds; throws DnsPrerequisiteError (nothing changed) if
   * not. An update sent but never answered in a way we can trust may have been applied: the
   * error says so, and the caller reads the record to learn what it holds.
   */
  async update(change: RecordChange): Promise<void> {
    const call = `UPDATE ${change.name} ${change.type}`;
    const tally = { sent: 0 };
    let message: DnsMessage;
    try {
      ({ message } = await this.send(call, (id) => updateMessage(id, change), OPCODE.UPDATE, change.zone, tally));
    } catch (error) {
      throw mayHaveApplied(error, call, tally.sent);
    }
    if (message.rcode === RCODE.NOERROR) return;
    if (message.rcode === RCODE.NXRRSET || message.rcode === RCODE.YXRRSET) {
      const held = change.expect === "absent" ? "no such record" : change.expect.join(", ");
      if (tally.sent > 1) {
        // An earlier attempt (unanswered, or answered truncated) may have been applied, failing this one's prerequisite.
        const now = (await this.query(change.name, change.type)).values;
        if (
          sameValues(
            now,
            change.values.map((value) => canonicalRecordValue(change.type, value)),
          )
        )
          return;
        throw new DnsPrerequisiteError(
          `${this.where}: ${call}: ${rcodeName(message.rcode)}: the record no longer holds ${held}; an earlier attempt of this update got no answer that could be trusted, so it may have been applied before the record changed again: it now holds ${now.join(", ") || "nothing"}. Look at it (refresh), then run again`,
          { host: this.where, call, code: rcodeName(message.rcode) },
        );
      }
      throw new DnsPrerequisiteError(
        `${this.where}: ${call}: ${rcodeName(message.rcode)}: the record no longer holds ${held}: someone changed it meanwhile, so nothing was written. Look at it (refresh), then run again`,
        { host: this.where, call, code: rcodeName(message.rcode) },
      );
    }
    throw new DnsError(`${this.where}: ${call}: ${describeRcode(message.rcode, 0, { keyName: this.options.key?.name, zone: change.zone })}`, {
      host: this.where,
      call,
      code: rcodeName(message.rcode),
    });
  }

  /** Sends a message built afresh for every attempt, verifies the reply, and retries what is safe to. */
  private async send(
    call: string,
    build: (id: number) => Buffer,
    opcode: number,
    zone: string,
    tally = { sent: 0 },
  ): Promise<{ reply: Buffer; message: DnsMessage }> {
    const retries = this.options.retries ?? DEFAULT_RETRIES;
    let transport = this.options.transport ?? "udp";
    for (let attempt = 1; ; attempt++) {
      const request = this.sign(build(randomInt(0, 0x10000)));
      const over = transport;
      try {
        tally.sent++;
        const read = (reply: Buffer) => ({ reply, message: this.check(call, reply, request, opcode, zone, over) });
        const { reply, message } = await exchange(this.server, request.bytes, over, this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS, this.options.signal, read);
        if (message.truncated) {
          transport = "tcp";
          attempt--;
          continue;
        }
        return { reply, message };
      } catch (error) {
        if (!(error instanceof DnsError) || !error.retryable || attempt > retries || this.options.signal?.aborted) throw error;
        await sleep(100 * 2 ** attempt, undefined, { signal: this.options.signal });
      }
    }
  }

  private sign(unsigned: Buffer): SignedRequest {
    if (!this.options.key) return { bytes: unsigned, id: unsigned.readUInt16BE(0), mac: Buffer.alloc(0) };
    return signMessage(unsigned, this.options.key, this.now());
  }

  /** The reply is ours, well formed, and (with a key) signed by the server: else it is an error. */
  private check(call: string, reply: Buffer, request: SignedRequest, opcode: number, zone: string, transport: DnsTransportKind): DnsMessage {
    const message = parseMessage(reply, this.where);
    if (!message.response || message.id !== request.id || message.opcode !== opcode) {
      throw new DnsProtocolError(`${this.where}: ${call}: the reply does not answer our message`, { host: this.where, call });
    }
    // A TCP reply is never cut short: one marked so is not an answer (and its empty sections are not "no record").
    if (message.truncated && transport === "tcp") {
      throw new DnsProtocolError(`${this.where}: ${call}: the reply over TCP is marked truncated (TC), which a TCP reply never is: it is not an answer`, {
        host: this.where,
        call,
      });
    }
    const key = this.options.key;
    if (!key) return message;
    const signature = verifyReply(reply, message, request, key, this.now(), this.where);
    if (signature.tsigError !== 0) {
      const offset = signature.serverTime === undefined ? undefined : Math.abs(this.now() - signature.serverTime);
      const code = signature.tsigError === TSIG_ERROR.BADTIME ? "BADTIME" : signature.tsigError === TSIG_ERROR.BADKEY ? "BADKEY" : "BADSIG";
      throw new DnsError(
        `${this.where}: ${call}: ${describeRcode(message.rcode, signature.tsigError, { keyName: key.name, zone, timeOffsetSeconds: offset })}`,
        { host: this.where, call, code },
      );
    }
    if (!signature.signed && message.rcode === RCODE.NOERROR) {
      // Anyone can send an unsigned NOERROR: over UDP it is ignored while the server's signed reply may still come.
      throw new DnsProtocolError(`${this.where}: ${call}: NOERROR, but the reply is not signed, so it cannot be trusted`, {
        host: this.where,
        call,
        code: "NOERROR",
      });
    }
    if (!signature.signed) {
      throw new DnsError(`${this.where}: ${call}: ${describeRcode(message.rcode, 0, { keyName: key.name, zone })}`, {
        host: this.where,
        call,
        code: rcodeName(message.rcode),
      });
    }
    return message;
  }

  private now(): number {
    return this.options.now?.() ?? Math.floor(Date.now() / 1000);
  }
}

/** Zone section, prerequisite (the compare) and the update (the swap), RFC 2136 sections 2.4 and 2.5. */
function updateMessage(id: number, change: RecordChange): Buffer {
  const type = TYPE_CODES[change.type];
  const writer = new MessageWriter({ id, opcode: OPCODE.UPDATE }).question(change.zone, RR_TYPE.SOA, RR_CLASS.IN);
  if (change.expect === "absent") {
    writer.record(1, { name: change.name, type, class: RR_CLASS.NONE, ttl: 0, data: Buffer.alloc(0) });
  } else {
    for (const value of change.expect) writer.record(1, { name: change.name, type, class: RR_CLASS.IN, ttl: 0, data: encodeRecordData(change.type, value) });
  }
  writer.record(2, { name: change.name, type, class: RR_CLASS.ANY, ttl: 0, data: Buffer.alloc(0) });
  for (const value of change.values)
    writer.record(2, { name: change.name, type, class: RR_CLASS.IN, ttl: change.ttl, data: encodeRecordData(change.type, value) });
  return writer.toBuffer();
}

/** Socket errors that mean the message never reached the server. */
const NEVER_DELIVERED = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN"]);

/** An update sent without an answer we can trust (none, a lost connection, junk, an abort) may have been applied: say so. */
function mayHaveApplied(error: unknown, call: string, sent: number): unknown {
  if (!(error instanceof DnsError)) return error;
  const untrusted = error instanceof DnsProtocolError || error.retryable || error.code === "TIMEOUT" || error.code === "ABORTED";
  if (!untrusted || (sent <= 1 && NEVER_DELIVERED.has(error.code ?? ""))) return error;
  return new DnsError(
    `${error.message}. ${call} was sent ${sent} time(s) without an answer that could be trusted, so the change may or may not have been applied: read the record (registry-dr failover status, or dig) before running again`,
    { host: error.host ?? "", call, code: error.code, retryable: false },
    { cause: error },
  );
}

function canonicalName(name: string): string {
  return name.replace(/\.$/, "").toLowerCase();
}

function sameValues(a: string[], b: string[]): boolean {
  const left = [...new Set(a)].sort();
  const right = [...new Set(b)].sort();
  return left.length === right.length && left.every((value, index) => value === right[index]);
}
