import { isIPv6 } from "node:net";

/**
 * Record values compared as DNS compares them, for every backend and every caller (read-back,
 * compare-and-swap, drift, which site a record points at): a host name without its case or its
 * final dot (`Standby.DR.example.com.` is `standby.dr.example.com`), an IPv6 address in RFC 5952
 * form, several values as a set. Servers and APIs hand values back in their own spelling, and a
 * user may write either: only the name counts.
 */

/** The one text a value is compared in. Several values (joined by commas) are sorted. */
export function canonicalRecordValue(type: string, value: string): string {
  const parts = value.split(",").map((part) => canonicalPart(type.toUpperCase(), part.trim()));
  return parts.length > 1 ? parts.sort().join(",") : parts[0];
}

/** Whether two values are the same record data; undefined (no record) equals only undefined. */
export function sameRecordValue(type: string, a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return canonicalRecordValue(type, a) === canonicalRecordValue(type, b);
}

/** Whether two names within a zone (an RR, "@", or an absolute name) are the same name. */
export function sameDnsName(a: string, b: string): boolean {
  return a.replace(/\.$/, "").toLowerCase() === b.replace(/\.$/, "").toLowerCase();
}

function canonicalPart(type: string, value: string): string {
  if (type === "A") return value;
  if (type === "AAAA") return isIPv6(value) ? formatIpv6(ipv6Bytes(value)) : value.toLowerCase();
  return value.replace(/\.$/, "").toLowerCase();
}

/** An IPv6 address's 16 octets. */
export function ipv6Bytes(text: string): Buffer {
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
export function formatIpv6(bytes: Buffer): string {
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
