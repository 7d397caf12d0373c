import { createHmac, timingSafeEqual } from "node:crypto";
import { createSocket, RemoteInfo } from "node:dgram";
import { AddressInfo, createServer, Socket } from "node:net";
import { encodeName, MessageWriter, OPCODE, parseMessage, RR_CLASS, RR_TYPE, u16, u32, u48 } from "../../provider/clients/dns/dns-message";
import { DnsKey } from "./dns-servers";

/**
 * A primary DNS server that can turn hostile, on loopback (UDP and TCP on one port). As a
 * server it is strict: it serves one zone from memory, answers QUERY, applies RFC 2136 UPDATEs
 * with their prerequisites (exactly these values, or no such record), and takes only requests
 * signed with its TSIG key, signing every reply. Then each `behaviour` breaks one thing, the way
 * a broken or lying peer does: it answers an update with a signed NOERROR and changes nothing,
 * applies an update and answers it truncated, sends a truncated reply over TCP, sends a junk
 * datagram with the right id before its reply, or applies an update without ever answering.
 */

export interface HostileDnsBehaviour {
  /** Answer UPDATE with a signed NOERROR, and change nothing. */
  ignoreUpdates?: boolean;
  /** Apply the UPDATE, then answer over UDP with the TC bit set (as if the reply did not fit). */
  truncateUpdatesOverUdp?: boolean;
  /** Answer every request over TCP with the TC bit set and empty sections. */
  truncateOverTcp?: boolean;
  /** Before each UDP reply, send a junk datagram that carries the request's id. */
  junkBeforeUdpReply?: boolean;
  /** Never answer UPDATE; "apply" applies it first, "drop" does not. */
  silentUpdates?: "apply" | "drop";
  /** Runs before an UPDATE is judged: another writer's change landing between a read and a write. */
  beforeUpdate?: (server: HostileDnsServer) => void;
}

export interface HostileDnsServer {
  zone: string;
  /** "127.0.0.1:port" */
  address: string;
  key: DnsKey;
  behaviour: HostileDnsBehaviour;
  /** UPDATE messages received, over either transport. */
  updates: number;
  /** The values the server holds (sorted, as the client reads them: dotted quads for A). */
  values(name: string, type: "A"): string[];
  /** Sets a record as an operator would, outside any protocol. */
  set(name: string, type: "A", values: string[], ttl?: number): void;
  stop(): Promise<void>;
}

interface StoredSet {
  ttl: number;
  data: Buffer[];
}

const FUDGE = 300;

export async function startHostileDnsServer(options: { zone?: string; key: DnsKey; records?: Record<string, string[]> }): Promise<HostileDnsServer> {
  const zone = options.zone ?? "dr.example.com";
  const sets = new Map<string, StoredSet>();
  const keyOf = (name: string, type: number) => `${name.replace(/\.$/, "").toLowerCase()}/${type}`;
  const tcpSockets = new Set<Socket>();
  const tcp = createServer((socket) => {
    tcpSockets.add(socket);
    socket.on("close", () => tcpSockets.delete(socket));
    let received = Buffer.alloc(0);
    socket.on("data", (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 2 || received.length < 2 + received.readUInt16BE(0)) return;
      const reply = answer(received.subarray(2, 2 + received.readUInt16BE(0)), "tcp");
      received = Buffer.alloc(0);
      if (reply) socket.write(Buffer.concat([u16(reply.length), reply]));
    });
    socket.on("error", () => socket.destroy());
  });
  await new Promise<void>((resolve) => tcp.listen(0, "127.0.0.1", resolve));
  const port = (tcp.address() as AddressInfo).port;
  const udp = createSocket("udp4");
  udp.on("message", (request: Buffer, from: RemoteInfo) => {
    const reply = answer(request, "udp");
    if (!reply) return;
    if (server.behaviour.junkBeforeUdpReply) {
      const junk = Buffer.from([request[0], request[1], 0x84, 0x00, 0, 0, 0, 1, 0, 0, 0, 0, 0xc0]);
      udp.send(junk, from.port, from.address);
      setTimeout(() => udp.send(reply, from.port, from.address), 50);
    } else udp.send(reply, from.port, from.address);
  });
  await new Promise<void>((resolve) => udp.bind(port, "127.0.0.1", resolve));

  const server: HostileDnsServer = {
    zone,
    address: `127.0.0.1:${port}`,
    key: options.key,
    behaviour: {},
    updates: 0,
    values(name) {
      return (sets.get(keyOf(name, RR_TYPE.A))?.data ?? []).map((data) => [...data].join(".")).sort();
    },
    set(name, _type, values, ttl = 60) {
      if (values.length === 0) sets.delete(keyOf(name, RR_TYPE.A));
      else sets.set(keyOf(name, RR_TYPE.A), { ttl, data: values.map((value) => Buffer.from(value.split(".").map(Number))) });
    },
    async stop() {
      udp.close();
      for (const socket of tcpSockets) socket.destroy();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
  for (const [name, values] of Object.entries(options.records ?? {})) server.set(name, "A", values);

  /** The reply to one request, or undefined to stay silent. */
  function answer(request: Buffer, transport: "udp" | "tcp"): Buffer | undefined {
    const parsed = parseMessage(request, "client");
    const requestMac = verifyRequest(request, options.key);
    if (!requestMac) return undefined; // not signed with our key: a strict primary drops it (BIND would answer NOTAUTH)
    const writer = new MessageWriter({ id: parsed.id, opcode: parsed.opcode });
    for (const question of parsed.questions) writer.question(question.name, question.type, question.class);
    let rcode = 0;
    let truncated = false;
    if (transport === "tcp" && server.behaviour.truncateOverTcp) truncated = true;
    else if (parsed.opcode === OPCODE.QUERY) {
      const question = parsed.questions[0];
      const set = sets.get(keyOf(question.name, question.type));
      for (const data of set?.data ?? []) writer.record(1, { name: question.name, type: question.type, class: RR_CLASS.IN, ttl: set!.ttl, data });
    } else if (parsed.opcode === OPCODE.UPDATE) {
      server.updates++;
      server.behaviour.beforeUpdate?.(server);
      const silent = server.behaviour.silentUpdates;
      if (silent === "drop") return undefined;
      rcode = server.behaviour.ignoreUpdates ? 0 : applyUpdate(parsed);
      if (silent === "apply") return undefined;
      truncated = transport === "udp" && server.behaviour.truncateUpdatesOverUdp === true;
    } else rcode = 4; // NOTIMP
    return signReply(writer.toBuffer(), { rcode, truncated, opcode: parsed.opcode }, requestMac, options.key, parsed.id);
  }

  /** RFC 2136 section 3: the zone must be ours, every prerequisite hold, then the updates apply in order. */
  function applyUpdate(parsed: ReturnType<typeof parseMessage>): number {
    if (parsed.questions[0]?.name !== zone) return 9; // NOTAUTH
    const expected = new Map<string, Buffer[]>();
    for (const prerequisite of parsed.answers) {
      const key = keyOf(prerequisite.name, prerequisite.type);
      if (prerequisite.class === RR_CLASS.NONE && sets.has(key)) return 7; // YXRRSET
      if (prerequisite.class === RR_CLASS.IN) expected.set(key, [...(expected.get(key) ?? []), Buffer.from(prerequisite.data)]);
    }
    for (const [key, data] of expected) {
      const held = sets.get(key)?.data ?? [];
      const same = held.length === data.length && data.every((value) => held.some((have) => have.equals(value)));
      if (!same) return 8; // NXRRSET
    }
    for (const update of parsed.authority) {
      const key = keyOf(update.name, update.type);
      if (update.class === RR_CLASS.ANY) sets.delete(key);
      else if (update.class === RR_CLASS.IN) {
        const set = sets.get(key) ?? { ttl: update.ttl, data: [] };
        set.ttl = update.ttl;
        if (!set.data.some((have) => have.equals(update.data))) set.data.push(Buffer.from(update.data));
        sets.set(key, set);
      }
    }
    return 0;
  }

  return server;
}

/** The request's MAC when its TSIG record verifies with `key`, else undefined. */
function verifyRequest(request: Buffer, key: DnsKey): Buffer | undefined {
  const parsed = parseMessage(request, "client");
  const tsig = parsed.additional[parsed.additional.length - 1];
  if (!tsig || tsig.type !== RR_TYPE.TSIG || tsig.name !== key.name) return undefined;
  let at = tsig.dataOffset + encodeName(key.algorithm).length;
  const time = request.readUIntBE(at, 6);
  const fudge = request.readUInt16BE(at + 6);
  const macLength = request.readUInt16BE(at + 8);
  const mac = request.subarray(at + 10, at + 10 + macLength);
  at += 10 + macLength;
  const originalId = request.readUInt16BE(at);
  const unsigned = Buffer.from(request.subarray(0, tsig.offset));
  unsigned.writeUInt16BE(originalId, 0);
  unsigned.writeUInt16BE(unsigned.readUInt16BE(10) - 1, 10);
  const expected = hmac(key, [unsigned, variables(key, time, fudge)]);
  if (Math.abs(Date.now() / 1000 - time) > fudge) return undefined;
  return expected.length === mac.length && timingSafeEqual(expected, mac) ? Buffer.from(mac) : undefined;
}

/** The reply with its flags set and a TSIG record over the request's MAC (RFC 8945 section 5.3). */
function signReply(unsigned: Buffer, flags: { rcode: number; truncated: boolean; opcode: number }, requestMac: Buffer, key: DnsKey, id: number): Buffer {
  unsigned.writeUInt16BE(0x8000 | (flags.opcode << 11) | (flags.truncated ? 0x0200 : 0) | flags.rcode, 2);
  const time = Math.floor(Date.now() / 1000);
  const mac = hmac(key, [u16(requestMac.length), requestMac, unsigned, variables(key, time, FUDGE)]);
  const data = Buffer.concat([encodeName(key.algorithm), u48(time), u16(FUDGE), u16(mac.length), mac, u16(id), u16(0), u16(0)]);
  const record = Buffer.concat([encodeName(key.name), u16(RR_TYPE.TSIG), u16(RR_CLASS.ANY), u32(0), u16(data.length), data]);
  const signed = Buffer.concat([unsigned, record]);
  signed.writeUInt16BE(unsigned.readUInt16BE(10) + 1, 10);
  return signed;
}

function variables(key: DnsKey, time: number, fudge: number): Buffer {
  return Buffer.concat([encodeName(key.name), u16(RR_CLASS.ANY), u32(0), encodeName(key.algorithm), u48(time), u16(fudge), u16(0), u16(0)]);
}

function hmac(key: DnsKey, parts: Buffer[]): Buffer {
  const mac = createHmac(key.algorithm.slice("hmac-".length), Buffer.from(key.secret, "base64"));
  for (const part of parts) mac.update(part);
  return mac.digest();
}
