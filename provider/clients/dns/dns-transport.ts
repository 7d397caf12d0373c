import { createSocket } from "node:dgram";
import { isIPv6 } from "node:net";
import { connect } from "node:net";
import { DnsError, DnsProtocolError } from "./dns-errors";

/**
 * One DNS exchange with one server: a datagram over UDP, or a length-prefixed message over TCP
 * (RFC 1035 section 4.2). Over UDP a datagram from another address or with another id is not
 * our reply and is ignored, and so is one that `read` refuses as malformed, unsigned or not
 * answering our message (DnsProtocolError): an off-path sender cannot end the wait, with a
 * forged answer or with junk, before the server's own reply arrives. Over TCP the connection is
 * ours, so such a reply is an error.
 */

export type DnsTransportKind = "udp" | "tcp";

export interface DnsServerAddress {
  host: string;
  port: number;
}

/** The largest reply a TCP exchange accepts: a DNS message is at most 65535 octets. */
const MAX_TCP_MESSAGE = 65535;

/** "10.0.0.53", "10.0.0.53:5353", "[fd00::53]:53", "ns1.example.com". */
export function parseServerAddress(text: string): DnsServerAddress {
  const bracketed = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(text);
  const plain = /^([A-Za-z0-9.-]+)(?::(\d+))?$/.exec(text);
  const match = bracketed ?? (isIPv6(text) ? [text, text, undefined] : plain);
  const port = Number(match?.[2] ?? 53);
  if (!match || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RangeError(`expected a DNS server as host, host:port or [IPv6]:port, such as 10.0.0.53:53; got "${text}"`);
  }
  return { host: match[1], port };
}

export function formatServerAddress(server: DnsServerAddress): string {
  return isIPv6(server.host) ? `[${server.host}]:${server.port}` : `${server.host}:${server.port}`;
}

/** Reads a reply: returns what the caller wants of it, or throws (DnsProtocolError: not a reply we can trust). */
export type ReadReply<T> = (reply: Buffer) => T;

export async function exchange<T>(
  server: DnsServerAddress,
  message: Buffer,
  kind: DnsTransportKind,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  read: ReadReply<T>,
): Promise<T> {
  return kind === "udp" ? exchangeUdp(server, message, timeoutMs, signal, read) : exchangeTcp(server, message, timeoutMs, signal, read);
}

function exchangeUdp<T>(server: DnsServerAddress, message: Buffer, timeoutMs: number, signal: AbortSignal | undefined, read: ReadReply<T>): Promise<T> {
  const id = message.readUInt16BE(0);
  let ignored: DnsProtocolError | undefined;
  const untrusted = () => ignored;
  return settle(server, "UDP", timeoutMs, signal, untrusted, (finish) => {
    const socket = createSocket(isIPv6(server.host) ? "udp6" : "udp4");
    socket.on("error", (error) => finish(failure(server, error.message, error)));
    socket.on("message", (reply, from) => {
      if (from.port !== server.port || reply.length < 2 || reply.readUInt16BE(0) !== id) return;
      let value: T;
      try {
        value = read(reply);
      } catch (error) {
        if (!(error instanceof DnsProtocolError)) return finish(error as Error);
        ignored = error;
        return;
      }
      finish(undefined, value);
    });
    socket.connect(server.port, server.host, () => socket.send(message));
    return () => socket.close();
  });
}

function exchangeTcp<T>(server: DnsServerAddress, message: Buffer, timeoutMs: number, signal: AbortSignal | undefined, read: ReadReply<T>): Promise<T> {
  const where = formatServerAddress(server);
  return settle(
    server,
    "TCP",
    timeoutMs,
    signal,
    () => undefined,
    (finish) => {
      const socket = connect({ host: server.host, port: server.port });
      let received = Buffer.alloc(0);
      socket.on("error", (error) => finish(failure(server, describeSocketError(error), error)));
      socket.on("data", (chunk) => {
        received = Buffer.concat([received, chunk]);
        if (received.length < 2) return;
        const length = received.readUInt16BE(0);
        if (received.length > 2 + MAX_TCP_MESSAGE) return finish(new DnsError(`${where}: sent more than one DNS message`, { host: where }));
        if (received.length < 2 + length) return;
        try {
          finish(undefined, read(received.subarray(2, 2 + length)));
        } catch (error) {
          finish(error as Error);
        }
      });
      socket.on("end", () => finish(new DnsError(`${where}: closed the TCP connection before a whole reply`, { host: where, retryable: true })));
      socket.on("connect", () => {
        const prefix = Buffer.alloc(2);
        prefix.writeUInt16BE(message.length);
        socket.write(Buffer.concat([prefix, message]));
      });
      return () => socket.destroy();
    },
  );
}

type Finish<T> = (error: Error | undefined, reply?: T) => void;

/**
 * Runs one exchange to its first outcome (a reply, an error, the deadline or the caller's abort),
 * then tears it down. At the deadline, a reply that was ignored as untrusted is named: it is
 * the likeliest reason no answer came.
 */
function settle<T>(
  server: DnsServerAddress,
  transport: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  untrusted: () => DnsProtocolError | undefined,
  start: (finish: Finish<T>) => () => void,
): Promise<T> {
  const where = formatServerAddress(server);
  return new Promise((resolve, reject) => {
    let teardown = () => {};
    let settled = false;
    const finish: Finish<T> = (error, reply) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      teardown();
      if (error) reject(error);
      else resolve(reply as T);
    };
    const onAbort = () => finish(new DnsError(`${where}: cancelled`, { host: where, code: "ABORTED" }));
    const timeout = () => {
      const ignored = untrusted();
      if (!ignored) return new DnsError(`${where}: no answer over ${transport} within ${timeoutMs} ms`, { host: where, code: "TIMEOUT", retryable: true });
      return new DnsProtocolError(`${where}: no answer that could be trusted over ${transport} within ${timeoutMs} ms; ignored: ${ignored.message}`, {
        host: where,
        code: "TIMEOUT",
        retryable: true,
      });
    };
    const timer = setTimeout(() => finish(timeout()), timeoutMs);
    signal?.addEventListener("abort", onAbort, { once: true });
    teardown = start(finish);
    if (settled) teardown();
  });
}

function failure(server: DnsServerAddress, description: string, error: NodeJS.ErrnoException): DnsError {
  const where = formatServerAddress(server);
  return new DnsError(`${where}: ${description}`, { host: where, code: error.code, retryable: true }, { cause: error });
}

function describeSocketError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case "ECONNREFUSED":
      return "connection refused: is the DNS server listening on TCP at this address and port?";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "host name does not resolve";
    default:
      return error.message;
  }
}
