import { isIPv4, isIPv6 } from "node:net";
import { formatIpv6, ipv6Bytes } from "../record-value";
import { encodeName, readNameAt, RR_TYPE } from "./dns-message";

/**
 * Record data of the types a failover record holds, between the text users write and the wire.
 * Values are compared in one canonical text form (record-value.ts): dotted quad for A, RFC 5952
 * for AAAA, a lower case host name without the final dot for CNAME.
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
