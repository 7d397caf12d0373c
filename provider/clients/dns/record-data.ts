import { isIPv4, isIPv6 } from "node:net";
import { encodeName, readNameAt, RR_TYPE } from "./dns-message";

/**
 * Record data of the types a failover record holds, between the text users write and the wire.
 * Values are compared in one canonical text form: dotted quad for A, RFC 5952 for AAAA, a lower
 * case host name without the final dot for CNAME.
 */

export type FailoverRecordType = "A" | "AAAA" | "CNAME";

export const TYPE_CODES: Record<FailoverRecordType, number> = { A: RR_TYPE.A, AAAA: RR_TYPE.AAAA, CNAME: RR_TYPE.CNAME };

export function encodeRecordData(type: FailoverRecordType, value: string): Buffer {
  switch (type) {
    case "A":
      if (!isIPv4(value)) throw new RangeError(`an A record holds an IPv4 address, got "${value}"`);
      return Buffer.from(value.split(".").map(Number));
    case "AAAA":
      if (!isIPv6(value)) throw new RangeError(`an AAAA record holds an IPv6 address, got "${value}"`);
      return ipv6Bytes(value);
    case "CNAME":
      return encodeName(value);
  }
}

/** The canonical text of record data read from `message` at `offset` (`length` octets). */
export function decodeRecordData(type: FailoverRecordType, message: Buffer, offset: number, length: number, from: string): string {
  const data = message.subarray(offset, offset + length);
  switch (type) {
    case "A":
      if (length !== 4) throw new RangeError(`${from} sent an A record of ${length} octets`);
      return [...data].join(".");
    case "AAAA":
      if (length !== 16) throw new RangeError(`${from} sent an AAAA record of ${length} octets`);
      return formatIpv6(data);
    case "CNAME": {
      const { name, end } = readNameAt(message, offset, from);
      if (end !== offset + length) throw new RangeError(`${from} sent a CNAME record whose name does not fill its data`);
      return name;
    }
  }
}

/** The value as it will be compared with what a server sends back. */
export function canonicalValue(type: FailoverRecordType, value: string): string {
  if (type === "CNAME") return value.replace(/\.$/, "").toLowerCase();
  if (type === "AAAA") return formatIpv6(ipv6Bytes(value));
  return value;
}

function ipv6Bytes(text: string): Buffer {
  // An embedded IPv4 tail (::ffff:192.0.2.1) as the two groups it stands for.
  const hex = text.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, a, b, c, d) => `${((+a << 8) | +b).toString(16)}:${((+c << 8) | +d).toString(16)}`);
  const groups = (part: string) => (part ? part.split(":").map((group) => parseInt(group, 16)) : []);
  const [head, tail] = hex.split("::");
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const words = tail === undefined ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const bytes = Buffer.alloc(16);
  for (const [index, word] of words.entries()) bytes.writeUInt16BE(word, index * 2);
  return bytes;
}

/** RFC 5952: lower case, no leading zeros, the longest run of two or more zero groups as "::". */
function formatIpv6(bytes: Buffer): string {
  const words = Array.from({ length: 8 }, (_, index) => bytes.readUInt16BE(index * 2));
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; ) {
    if (words[start] !== 0) {
      start++;
      continue;
    }
    let end = start;
    while (end < 8 && words[end] === 0) end++;
    if (end - start > bestLength) [bestStart, bestLength] = [start, end - start];
    start = end;
  }
  const hex = words.map((word) => word.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}
