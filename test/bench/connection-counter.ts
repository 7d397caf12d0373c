import net from "node:net";

/**
 * Preloaded (`node -r`) into a measured process: counts TCP connects and notes when the first
 * one starts (ms since the process began), printed to stderr at exit for the benchmark.
 */
let connects = 0;
let firstConnectMs: number | undefined;
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
  connects++;
  firstConnectMs ??= performance.now();
  return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof connect;
process.on("exit", () => process.stderr.write(`\nbench-connections ${JSON.stringify({ connects, firstConnectMs })}\n`));
