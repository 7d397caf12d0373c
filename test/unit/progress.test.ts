import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { ProgressReporter } from "../../cli/progress";
import { describeResult } from "../../provider";

/** A stand-in terminal: records what is written; `isTTY` decides bar or plain lines. */
function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  const stream = { isTTY, write: (text: string) => writes.push(text) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, writes };
}

const result = {
  source: "a.io/x:1",
  destination: "b.io/x:1",
  status: "synced" as const,
  digest: `sha256:${"a".repeat(64)}`,
  bytesUploaded: 2048,
  durationMs: 1500,
};

test("on a terminal: a bar with images, bytes and rate, redrawn below result lines", async () => {
  const { stream, writes } = fakeStream(true);
  const reporter = new ProgressReporter({ stream });
  reporter.onEvent({ type: "planned", images: 4 });
  reporter.onEvent({ type: "bytes", bytes: 3 * 1024 * 1024 });
  reporter.onEvent({ type: "image-finished", result });
  await sleep(300);
  reporter.stop();
  const bars = writes.filter((w) => w.startsWith("\r\x1b[2K["));
  assert.ok(bars.length > 0, "a bar was drawn");
  assert.match(bars.at(-1)!, /\[######------------------\] 1\/4 images \| 3\.0 MiB \| [\d.]+ (KiB|MiB)\/s/);
  assert.ok(writes.includes(`${describeResult(result)}\n`));
  assert.equal(writes.at(-1), "\r\x1b[2K", "the bar is cleared at the end");
});

test("elsewhere: plain lines only, no control characters", () => {
  const { stream, writes } = fakeStream(false);
  const reporter = new ProgressReporter({ stream });
  reporter.onEvent({ type: "planned", images: 1 });
  reporter.onEvent({ type: "image-finished", result: { ...result, status: "failed", error: "b.io: HTTP 500" } });
  reporter.stop();
  assert.deepEqual(writes, ["planned 1 image(s)\n", "failed  a.io/x:1 -> b.io/x:1: b.io: HTTP 500\n"]);
});

test("result lines say what happened", () => {
  assert.equal(describeResult(result), "synced  a.io/x:1 -> b.io/x:1 (sha256:aaaaaaaaaaaa, 2.0 KiB uploaded, 1.5 s)");
  assert.equal(describeResult({ ...result, status: "skipped" }), "skipped a.io/x:1 -> b.io/x:1 (up to date, sha256:aaaaaaaaaaaa)");
});
