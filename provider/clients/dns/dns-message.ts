import { DnsProtocolError } from "./dns-errors";

/**
 * The DNS wire format (RFC 1035 section 4), as much of it as dynamic updates and direct queries
 * need: a header, four sections of resource records, names written uncompressed and read with
 * compression pointers. Replies come from a server we do not control: every read is bounds
 * checked and a pointer may only point backwards, so a hostile reply fails with an error
 * instead of looping or reading past the end.
 */

export const RR_TYPE = { A: 1, NS: 2, CNAME: 5, SOA: 6, TXT: 16, AAAA: 28, OPT: 41, TSIG: 250, ANY: 255 } as const;
export const RR_CLASS = { IN: 1, NONE: 254, ANY: 255 } as const;
export const OPCODE = { QUERY: 0, UPDATE: 5 } as const;

export interface ResourceRecord {
  /** Where the record starts in the message it was read from. */
  offset: number;
  /** Absolute name in lower case, without the final dot ("registry.dr.example.com"). */
  name: string;
  type: number;
  class: number;
  ttl: number;
  /** Raw record data; names inside it may be compressed against `message`. */
  data: Buffer;
  /** Where `data` starts in the message it was read from (to expand compressed names in it). */
  dataOffset: number;
}

export interface DnsMessage {
  id: number;
  /** QR bit: a reply. */
  response: boolean;
  opcode: number;
  /** TC bit: the reply did not fit in a UDP datagram. */
  truncated: boolean;
  rcode: number;
  /** Zone section for UPDATE, question section for QUERY. */
  questions: { name: string; type: number; class: number }[];
  /** Prerequisites for UPDATE, answers for QUERY. */
  answers: ResourceRecord[];
  /** Updates for UPDATE, authority for QUERY. */
  authority: ResourceRecord[];
  additional: ResourceRecord[];
}

const MAX_NAME_LENGTH = 255;
const MAX_LABEL_LENGTH = 63;

/** A name as wire labels: lower case, absolute, each label 1-63 octets, 255 in all. */
export function encodeName(name: string): Buffer {
  const trimmed = name.replace(/\.$/, "").toLowerCase();
  const labels = trimmed === "" ? [] : trimmed.split(".");
  const parts: Buffer[] = [];
  for (const label of labels) {
    const bytes = Buffer.from(label, "ascii");
    if (bytes.length === 0 || bytes.length > MAX_LABEL_LENGTH) throw new RangeError(`DNS name "${name}": each label must be 1-63 characters`);
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  parts.push(Buffer.from([0]));
  const wire = Buffer.concat(parts);
  if (wire.length > MAX_NAME_LENGTH) throw new RangeError(`DNS name "${name}" is longer than 255 octets`);
  return wire;
}

/** Builds a message; sections are written in order, counts fixed up at the end. */
export class MessageWriter {
  private readonly chunks: Buffer[] = [];
  private readonly counts = [0, 0, 0, 0];
  private lastSection = 1;

  constructor(private readonly header: { id: number; opcode: number; recursionDesired?: boolean }) {}

  question(name: string, type: number, klass: number): this {
    this.chunks.push(encodeName(name), u16(type), u16(klass));
    this.counts[0]++;
    return this;
  }

  /** section 1: prerequisites/answers, 2: updates/authority, 3: additional. */
  record(section: 1 | 2 | 3, record: { name: string; type: number; class: number; ttl: number; data: Buffer }): this {
    if (section < this.lastSection) throw new Error("records must be written section by section");
    this.lastSection = section;
    this.chunks.push(encodeName(record.name), u16(record.type), u16(record.class), u32(record.ttl), u16(record.data.length), record.data);
    this.counts[section]++;
    return this;
  }

  toBuffer(): Buffer {
    const flags = ((this.header.opcode & 0xf) << 11) | (this.header.recursionDesired ? 0x0100 : 0);
    const head = Buffer.alloc(12);
    head.writeUInt16BE(this.header.id, 0);
    head.writeUInt16BE(flags, 2);
    for (const [index, count] of this.counts.entries()) head.writeUInt16BE(count, 4 + index * 2);
    return Buffer.concat([head, ...this.chunks]);
  }
}

/** Parses a whole message; throws DnsProtocolError on anything malformed. */
export function parseMessage(bytes: Buffer, from: string): DnsMessage {
  const reader = new MessageReader(bytes, from);
  if (bytes.length < 12) reader.fail("shorter than a DNS header");
  const id = bytes.readUInt16BE(0);
  const flags = bytes.readUInt16BE(2);
  const counts = [4, 6, 8, 10].map((offset) => bytes.readUInt16BE(offset));
  reader.offset = 12;
  const questions = Array.from({ length: counts[0] }, () => ({ name: reader.name(), type: reader.u16(), class: reader.u16() }));
  const section = (count: number) => Array.from({ length: count }, () => reader.record());
  const answers = section(counts[1]);
  const authority = section(counts[2]);
  const additional = section(counts[3]);
  if (reader.offset !== bytes.length) reader.fail(`${bytes.length - reader.offset} byte(s) after the last record`);
  return {
    id,
    response: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    truncated: (flags & 0x0200) !== 0,
    rcode: flags & 0xf,
    questions,
    answers,
    authority,
    additional,
  };
}

/** A name inside record data (CNAME target), expanded against the message it came from. */
export function readNameAt(message: Buffer, offset: number, from: string): { name: string; end: number } {
  const reader = new MessageReader(message, from);
  reader.offset = offset;
  const name = reader.name();
  return { name, end: reader.offset };
}

class MessageReader {
  offset = 0;

  constructor(
    private readonly bytes: Buffer,
    private readonly from: string,
  ) {}

  fail(problem: string): never {
    throw new DnsProtocolError(`malformed DNS message from ${this.from}: ${problem}`, { host: this.from });
  }

  u16(): number {
    this.need(2);
    const value = this.bytes.readUInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  u32(): number {
    this.need(4);
    const value = this.bytes.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  name(): string {
    const labels: string[] = [];
    let position = this.offset;
    let end: number | undefined;
    let length = 1;
    for (;;) {
      if (position >= this.bytes.length) this.fail("a name runs past the end");
      const size = this.bytes[position];
      if ((size & 0xc0) === 0xc0) {
        if (position + 1 >= this.bytes.length) this.fail("a name runs past the end");
        const target = ((size & 0x3f) << 8) | this.bytes[position + 1];
        // Only backwards: a pointer can then never loop.
        if (target >= position) this.fail("a compression pointer points forwards");
        end ??= position + 2;
        position = target;
        continue;
      }
      if (size & 0xc0) this.fail("a label type that is not defined");
      if (size === 0) break;
      if (position + 1 + size > this.bytes.length) this.fail("a label runs past the end");
      length += size + 1;
      if (length > MAX_NAME_LENGTH) this.fail("a name longer than 255 octets");
      labels.push(this.bytes.toString("latin1", position + 1, position + 1 + size).toLowerCase());
      position += size + 1;
    }
    this.offset = end ?? position + 1;
    return labels.join(".");
  }

  record(): ResourceRecord {
    const offset = this.offset;
    const name = this.name();
    const type = this.u16();
    const klass = this.u16();
    const ttl = this.u32();
    const length = this.u16();
    this.need(length);
    const dataOffset = this.offset;
    const data = this.bytes.subarray(dataOffset, dataOffset + length);
    this.offset += length;
    return { offset, name, type, class: klass, ttl, data, dataOffset };
  }

  private need(size: number): void {
    if (this.offset + size > this.bytes.length) this.fail("a field runs past the end");
  }
}

export function u16(value: number): Buffer {
  const buffer = Buffer.alloc(2);
  buffer.writeUInt16BE(value);
  return buffer;
}

export function u32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value >>> 0);
  return buffer;
}

/** A 48-bit unsigned integer (TSIG's time signed). */
export function u48(value: number): Buffer {
  const buffer = Buffer.alloc(6);
  buffer.writeUIntBE(value, 0, 6);
  return buffer;
}
