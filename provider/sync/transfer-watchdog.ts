import { Transform } from "node:stream";
import { formatBytes, formatDuration } from "./format";

/**
 * A blob transfer's floor: bytes must pass at least `bytesPerSecond` on average over every
 * `windowMs`, or the transfer fails. Timeouts on connect, headers and body silence do not
 * catch a registry that trickles a byte now and then (a 1 KB layer at one byte every two
 * seconds takes 40 minutes); this does. It sits between download and upload, so it sees
 * both: bytes piling up in front of the upload mean the destination is the slow side.
 */
export interface MinTransferRate {
  /** 0 turns the floor off. */
  bytesPerSecond: number;
  windowMs: number;
}

const SAMPLE_MS = 200;

export type SlowSide = "source" | "destination";

export class TransferStalledError extends Error {
  override name = "TransferStalledError";
  constructor(
    message: string,
    readonly side: SlowSide,
  ) {
    super(message);
  }
}

export interface Watchdog {
  /** Pass the blob through this. */
  stream: Transform;
  /** Which side held the transfer up a moment ago: where blame goes if it is cancelled. */
  slowSide(): SlowSide;
  received(): number;
  stop(): void;
}

export function transferWatchdog(rate: MinTransferRate, describe: (side: SlowSide, bytesPerSecond: number) => string): Watchdog {
  let bytes = 0;
  let atLastCheck = 0;
  let sourceEnded = false;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      callback(null, chunk);
    },
    flush(callback) {
      sourceEnded = true;
      callback();
    },
  });
  // The upload side pushed back (its pipe paused us) or chunks wait in front of it: the destination is not taking them.
  const backedUp = () => stream.readableFlowing === false || stream.readableLength >= stream.readableHighWaterMark || stream.writableNeedDrain;
  const slowSide = (): SlowSide => (sourceEnded || backedUp() ? "destination" : "source");
  // Blame for a cancellation is read after the cancellation has torn the pipes down, so it
  // comes from a recent sample of the live transfer.
  let sampledSide: SlowSide = "source";
  let tornDown = false;
  const sampler = setInterval(() => {
    if (!tornDown && !stream.destroyed) sampledSide = slowSide();
  }, SAMPLE_MS).unref();
  // The upload side going away (unpipe) pauses this stream, which would read as backpressure.
  stream.once("unpipe", () => (tornDown = true));
  stream.once("close", () => (tornDown = true));
  const floor = (rate.bytesPerSecond * rate.windowMs) / 1000;
  const timer =
    rate.bytesPerSecond > 0
      ? setInterval(() => {
          const moved = bytes - atLastCheck;
          atLastCheck = bytes;
          // Once the source has sent everything, the registry's answer is the headers timeout's business.
          if (moved >= floor || sourceEnded) return;
          const side = slowSide();
          stream.destroy(new TransferStalledError(describe(side, (moved * 1000) / rate.windowMs), side));
        }, rate.windowMs).unref()
      : undefined;
  const stop = () => {
    clearInterval(timer);
    clearInterval(sampler);
  };
  return { stream, slowSide: () => sampledSide, received: () => bytes, stop };
}

/** "0.5 B/s, below the 1.0 KiB/s floor for 30.0 s" */
export function describeShortfall(bytesPerSecond: number, rate: MinTransferRate): string {
  const actual = bytesPerSecond < 10 ? `${bytesPerSecond.toFixed(1)} B/s` : `${formatBytes(Math.round(bytesPerSecond))}/s`;
  return `${actual}, below the ${formatBytes(rate.bytesPerSecond)}/s floor for ${formatDuration(rate.windowMs)}`;
}
