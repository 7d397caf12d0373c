import assert from "node:assert/strict";
import { PassThrough, Writable } from "node:stream";
import { test } from "node:test";
import { TransferStalledError, describeShortfall, transferWatchdog } from "../../provider/sync/transfer-watchdog";

const RATE = { bytesPerSecond: 1024, windowMs: 300 };

/** The watchdog's timer does not hold the process open (a run's end must not wait for it); the test does. */
function stalled(watchdog: ReturnType<typeof transferWatchdog>): Promise<TransferStalledError> {
  const keepAlive = setInterval(() => {}, 1000);
  return new Promise((resolve) =>
    watchdog.stream.once("error", (error) => {
      clearInterval(keepAlive);
      resolve(error as TransferStalledError);
    }),
  );
}

test("a source sending below the floor is blamed; the message gives the rate and the floor", async () => {
  const watchdog = transferWatchdog(RATE, (side, rate) => `${side}: ${describeShortfall(rate, RATE)}`);
  const source = new PassThrough();
  source.pipe(watchdog.stream).pipe(new Writable({ write: (_chunk, _encoding, done) => done() }));
  source.write(Buffer.alloc(30));
  const error = await stalled(watchdog);
  watchdog.stop();
  assert.equal(error.side, "source");
  assert.equal(error.message, "source: 100 B/s, below the 1.0 KiB/s floor for 300 ms");
});

test("a destination that stops taking bytes is blamed, not the source that has them ready", async () => {
  const watchdog = transferWatchdog(RATE, (side) => side);
  const source = new PassThrough();
  // Never calls back: the upload has stopped reading.
  source.pipe(watchdog.stream).pipe(new Writable({ highWaterMark: 16, write: () => {} }));
  source.write(Buffer.alloc(200_000));
  const error = await stalled(watchdog);
  watchdog.stop();
  assert.equal(error.side, "destination");
});

test("a transfer above the floor, or one the source has finished, is left alone; 0 turns the floor off", async () => {
  for (const rate of [RATE, { bytesPerSecond: 0, windowMs: 300 }]) {
    const watchdog = transferWatchdog(rate, (side) => side);
    const source = new PassThrough();
    let received = 0;
    source.pipe(watchdog.stream).pipe(new Writable({ write: (chunk: Buffer, _encoding, done) => ((received += chunk.length), done()) }));
    const failures: Error[] = [];
    watchdog.stream.on("error", (error) => failures.push(error));
    const feeding = setInterval(() => source.write(Buffer.alloc(rate.bytesPerSecond === 0 ? 1 : 1024)), 50);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    clearInterval(feeding);
    source.end(Buffer.alloc(10));
    await new Promise((resolve) => setTimeout(resolve, 700));
    watchdog.stop();
    assert.deepEqual(failures, [], `floor ${rate.bytesPerSecond} B/s`);
    assert.ok(received > 0);
  }
});
