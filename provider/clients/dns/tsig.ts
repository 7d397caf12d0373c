import { createHmac, timingSafeEqual } from "node:crypto";
import { DnsMessage, encodeName, readNameAt, ResourceRecord, RR_CLASS, RR_TYPE, u16, u32, u48 } from "./dns-message";
import { DnsProtocolError, TSIG_ERROR } from "./dns-errors";

/**
 * TSIG (RFC 8945): HMAC signatures on DNS messages with a shared secret. A request is signed
 * over its bytes and the TSIG variables; the server's reply is verified over the request's MAC,
 * the reply without its TSIG record (id restored, ARCOUNT less one) and the reply's variables.
 * Every attempt is signed afresh: re-sending a signed message would carry a stale time and, if
 * signed again, a second TSIG record.
 */

export const TSIG_ALGORITHMS = ["hmac-sha1", "hmac-sha224", "hmac-sha256", "hmac-sha384", "hmac-sha512"] as const;
export type TsigAlgorithm = (typeof TSIG_ALGORITHMS)[number];

export interface TsigKey {
  /** The key's name as the server knows it ("dr-key"). */
  name: string;
  algorithm: TsigAlgorithm;
  /** The shared secret, base64 as `tsig-keygen` and `keymgr` print it. */
  secret: string;
}

/** Seconds of clock difference either side accepts (RFC 8945 recommends 300). */
export const FUDGE_SECONDS = 300;

export interface SignedRequest {
  bytes: Buffer;
  id: number;
  mac: Buffer;
}

export interface ReplySignature {
  /** Whether the reply carried a MAC that verified. */
  signed: boolean;
  /** The TSIG error the server reported (0, BADSIG, BADKEY, BADTIME). */
  tsigError: number;
  /** The server's clock, from a BADTIME reply. */
  serverTime?: number;
}

/** Decodes the secret once, saying what is wrong without quoting it. */
export function secretBytes(key: TsigKey): Buffer {
  const compact = key.secret.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact) || compact.length % 4 !== 0)
    throw new RangeError(`TSIG key "${key.name}": the secret is not base64 (as tsig-keygen prints it)`);
  return Buffer.from(compact, "base64");
}

/** `unsigned` with a TSIG record appended (ARCOUNT + 1) and the MAC the reply is checked against. */
export function signMessage(unsigned: Buffer, key: TsigKey, nowSeconds: number): SignedRequest {
  const id = unsigned.readUInt16BE(0);
  const fields = { time: nowSeconds, fudge: FUDGE_SECONDS, error: 0, other: Buffer.alloc(0) };
  const mac = hmac(key, [unsigned, variables(key, fields)]);
  const data = Buffer.concat([encodeName(key.algorithm), u48(fields.time), u16(fields.fudge), u16(mac.length), mac, u16(id), u16(0), u16(0)]);
  const record = Buffer.concat([encodeName(key.name), u16(RR_TYPE.TSIG), u16(RR_CLASS.ANY), u32(0), u16(data.length), data]);
  const bytes = Buffer.concat([unsigned, record]);
  bytes.writeUInt16BE(unsigned.readUInt16BE(10) + 1, 10);
  return { bytes, id, mac };
}

/**
 * Checks the reply's TSIG record against the request. Returns `signed: false` for a reply with
 * no MAC (no TSIG record, or an error reply with an empty MAC); throws when a MAC is there and
 * does not verify, or the reply was signed outside the time window.
 */
export function verifyReply(reply: Buffer, parsed: DnsMessage, request: SignedRequest, key: TsigKey, nowSeconds: number, from: string): ReplySignature {
  const tsig = parsed.additional.find((record) => record.type === RR_TYPE.TSIG);
  if (!tsig) return { signed: false, tsigError: 0 };
  if (tsig !== parsed.additional[parsed.additional.length - 1])
    throw new DnsProtocolError(`${from}: the TSIG record is not the last record of the reply`, { host: from });
  const fields = readTsigData(reply, tsig, from);
  if (tsig.name !== canonical(key.name) || fields.algorithm !== key.algorithm) {
    throw new DnsProtocolError(`${from}: the reply is signed with key "${tsig.name}" (${fields.algorithm}), not "${key.name}" (${key.algorithm})`, {
      host: from,
    });
  }
  if (fields.mac.length === 0) return { signed: false, tsigError: fields.error };
  const stripped = Buffer.from(reply.subarray(0, tsig.offset));
  stripped.writeUInt16BE(fields.originalId, 0);
  stripped.writeUInt16BE(stripped.readUInt16BE(10) - 1, 10);
  const expected = hmac(key, [u16(request.mac.length), request.mac, stripped, variables(key, fields)]);
  if (expected.length !== fields.mac.length || !timingSafeEqual(expected, fields.mac)) {
    throw new DnsProtocolError(
      `${from}: the reply's TSIG signature does not verify with key "${key.name}": it may not come from the server, or the server holds another secret`,
      { host: from, code: "BADSIG" },
    );
  }
  const serverTime = fields.error === TSIG_ERROR.BADTIME && fields.other.length === 6 ? fields.other.readUIntBE(0, 6) : undefined;
  if (fields.error === 0 && Math.abs(nowSeconds - fields.time) > fields.fudge) {
    throw new DnsProtocolError(
      `${from}: the reply was signed ${Math.abs(nowSeconds - fields.time)} s away from this machine's clock, more than the ${fields.fudge} s fudge: fix the clock`,
      { host: from, code: "BADTIME" },
    );
  }
  return { signed: true, tsigError: fields.error, serverTime };
}

interface TsigFields {
  algorithm?: string;
  time: number;
  fudge: number;
  error: number;
  other: Buffer;
}

function readTsigData(message: Buffer, record: ResourceRecord, from: string): Required<TsigFields> & { mac: Buffer; originalId: number } {
  const fail = (): never => {
    throw new DnsProtocolError(`${from}: the reply's TSIG record is malformed`, { host: from });
  };
  const end = record.dataOffset + record.data.length;
  const { name: algorithm, end: afterName } = readNameAt(message, record.dataOffset, from);
  let at = afterName;
  const take = (size: number) => {
    if (at + size > end) fail();
    const slice = message.subarray(at, at + size);
    at += size;
    return slice;
  };
  const time = take(6).readUIntBE(0, 6);
  const fudge = take(2).readUInt16BE(0);
  const mac = Buffer.from(take(take(2).readUInt16BE(0)));
  const originalId = take(2).readUInt16BE(0);
  const error = take(2).readUInt16BE(0);
  const other = Buffer.from(take(take(2).readUInt16BE(0)));
  if (at !== end) fail();
  return { algorithm, time, fudge, mac, originalId, error, other };
}

/** The TSIG variables the MAC covers (RFC 8945 section 4.3.3). */
function variables(key: TsigKey, fields: TsigFields): Buffer {
  return Buffer.concat([
    encodeName(key.name),
    u16(RR_CLASS.ANY),
    u32(0),
    encodeName(key.algorithm),
    u48(fields.time),
    u16(fields.fudge),
    u16(fields.error),
    u16(fields.other.length),
    fields.other,
  ]);
}

function hmac(key: TsigKey, parts: Buffer[]): Buffer {
  const mac = createHmac(key.algorithm.slice("hmac-".length), secretBytes(key));
  for (const part of parts) mac.update(part);
  return mac.digest();
}

function canonical(name: string): string {
  return name.replace(/\.$/, "").toLowerCase();
}
