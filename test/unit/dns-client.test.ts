import assert from "node:assert/strict";
import { createSocket, Socket } from "node:dgram";
import { AddressInfo, createServer, Server } from "node:net";
import { after, before, test } from "node:test";
import { DnsError, DnsProtocolError, parseServerAddress, Rfc2136Client } from "../../provider/clients/dns";
import { MessageWriter, OPCODE, parseMessage, RR_CLASS, RR_TYPE } from "../../provider/clients/dns/dns-message";

/**
 * The client against a DNS server that lies: replies are untrusted input. A fake server on
 * loopback answers each request as the test says (UDP and TCP on one port).
 */

type Answer = (request: Buffer) => Buffer | undefined;
let answerUdp: Answer;
let answerTcp: Answer;
let udp: Socket;
let tcp: Server;
let port: number;
const key = { name: "dr-key", algorithm: "hmac-sha256" as const, secret: Buffer.alloc(32, 3).toString("base64") };

before(async () => {
  tcp = createServer((socket) => {
    socket.once("data", (chunk) => {
      const reply = answerTcp(chunk.subarray(2));
      if (!reply) return socket.destroy();
      const prefix = Buffer.alloc(2);
      prefix.writeUInt16BE(reply.length);
      socket.end(Buffer.concat([prefix, reply]));
    });
  });
  await new Promise<void>((resolve) => tcp.listen(0, "127.0.0.1", resolve));
  port = (tcp.address() as AddressInfo).port;
  udp = createSocket("udp4");
  udp.on("message", (request, from) => {
    const reply = answerUdp(request);
    if (reply) udp.send(reply, from.port, from.address);
  });
  await new Promise<void>((resolve) => udp.bind(port, "127.0.0.1", resolve));
});

after(() => {
  udp.close();
  tcp.close();
});

/** A reply to `request` with flags and sections as given; no TSIG unless the caller adds one. */
function reply(
  request: Buffer,
  build: (writer: MessageWriter) => void = () => {},
  flags = { rcode: 0, truncated: false, id: undefined as number | undefined },
): Buffer {
  const parsed = parseMessage(request, "test");
  const writer = new MessageWriter({ id: flags.id ?? parsed.id, opcode: parsed.opcode });
  for (const question of parsed.questions) writer.question(question.name, question.type, question.class);
  build(writer);
  const bytes = writer.toBuffer();
  bytes.writeUInt16BE(0x8000 | (parsed.opcode << 11) | (flags.truncated ? 0x0200 : 0) | flags.rcode, 2);
  return bytes;
}

const client = (options = {}) => new Rfc2136Client({ server: `127.0.0.1:${port}`, key, timeoutMs: 300, retries: 0, ...options });

test("an unsigned NOERROR reply to a signed update is not trusted", async () => {
  answerUdp = (request) => reply(request);
  await assert.rejects(
    client().update({ zone: "dr.example.com", name: "registry.dr.example.com", type: "A", ttl: 60, expect: "absent", values: ["10.0.0.1"] }),
    (error: Error) => error instanceof DnsError && /NOERROR, but the reply is not signed, so it cannot be trusted/.test(error.message),
  );
});

test("an answer with another id is not ours: it is ignored, and the wait times out", async () => {
  answerUdp = (request) => reply(request, () => {}, { rcode: 0, truncated: false, id: (request.readUInt16BE(0) + 1) & 0xffff });
  await assert.rejects(
    client({ key: undefined }).query("registry.dr.example.com", "A"),
    (error: Error) => error instanceof DnsError && error.code === "TIMEOUT",
  );
});

test("a truncated UDP answer is asked again over TCP", async () => {
  let tcpQueries = 0;
  answerUdp = (request) => reply(request, () => {}, { rcode: 0, truncated: true, id: undefined });
  answerTcp = (request) => {
    tcpQueries++;
    return reply(request, (writer) =>
      writer.record(1, { name: "registry.dr.example.com", type: RR_TYPE.A, class: RR_CLASS.IN, ttl: 60, data: Buffer.from([10, 2, 0, 20]) }),
    );
  };
  assert.deepEqual(await client({ key: undefined }).query("registry.dr.example.com", "A"), { values: ["10.2.0.20"], ttl: 60 });
  assert.equal(tcpQueries, 1);
});

test("malformed replies fail with what is wrong: a compression loop, a record past the end, a bad address length", async () => {
  answerUdp = (request) => {
    const bytes = reply(request);
    bytes.writeUInt16BE(1, 6); // one answer
    return Buffer.concat([bytes, Buffer.from([0xc0, bytes.length])]); // a name pointing at itself
  };
  await assert.rejects(
    client({ key: undefined }).query("registry.dr.example.com", "A"),
    (error: Error) => error instanceof DnsProtocolError && /compression pointer points forwards/.test(error.message),
  );
  answerUdp = (request) => reply(request).subarray(0, 20);
  await assert.rejects(
    client({ key: undefined }).query("registry.dr.example.com", "A"),
    (error: Error) => error instanceof DnsProtocolError && /runs past the end/.test(error.message),
  );
  answerUdp = (request) =>
    reply(request, (writer) =>
      writer.record(1, { name: "registry.dr.example.com", type: RR_TYPE.A, class: RR_CLASS.IN, ttl: 60, data: Buffer.from([10, 2, 0]) }),
    );
  await assert.rejects(client({ key: undefined }).query("registry.dr.example.com", "A"), /sent an A record of 3 octets/);
});

test("a reply to another question is refused", async () => {
  answerUdp = (request) => {
    const parsed = parseMessage(request, "test");
    const bytes = new MessageWriter({ id: parsed.id, opcode: OPCODE.QUERY }).question("victim.example.com", RR_TYPE.A, RR_CLASS.IN).toBuffer();
    bytes.writeUInt16BE(0x8000, 2);
    return bytes;
  };
  await assert.rejects(client({ key: undefined }).query("registry.dr.example.com", "A"), /the reply answers another question/);
});

test("every retry is signed afresh: a new id and a new time each attempt", async () => {
  const seen: { id: number; time: number }[] = [];
  answerUdp = (request) => {
    const parsed = parseMessage(request, "test");
    const tsig = parsed.additional.filter((record) => record.type === RR_TYPE.TSIG);
    assert.equal(tsig.length, 1, "one TSIG record, never two");
    seen.push({ id: parsed.id, time: request.readUIntBE(tsig[0].dataOffset + "hmac-sha256".length + 2, 6) });
    return undefined; // no answer: the client times out and tries again
  };
  let clock = 1_764_612_000;
  await assert.rejects(
    client({ retries: 2, timeoutMs: 100, now: () => clock++ }).query("registry.dr.example.com", "A"),
    (error: Error) => error instanceof DnsError && error.code === "TIMEOUT",
  );
  assert.equal(seen.length, 3);
  assert.equal(new Set(seen.map((attempt) => attempt.id)).size, 3, "a new id per attempt");
  assert.equal(new Set(seen.map((attempt) => attempt.time)).size, 3, "a new signature time per attempt");
});

test("server addresses are parsed with a default port, and bad ones named", () => {
  assert.deepEqual(parseServerAddress("10.0.0.53"), { host: "10.0.0.53", port: 53 });
  assert.deepEqual(parseServerAddress("10.0.0.53:5353"), { host: "10.0.0.53", port: 5353 });
  assert.deepEqual(parseServerAddress("[fd00::53]:53"), { host: "fd00::53", port: 53 });
  assert.deepEqual(parseServerAddress("fd00::53"), { host: "fd00::53", port: 53 });
  assert.throws(() => parseServerAddress("10.0.0.53:99999"), /expected a DNS server as host, host:port or \[IPv6\]:port/);
  assert.throws(() => parseServerAddress("http://10.0.0.53"), /got "http:\/\/10\.0\.0\.53"/);
});
