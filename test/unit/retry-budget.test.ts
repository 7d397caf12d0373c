import assert from "node:assert/strict";
import { test } from "node:test";
import { BLOB_TRANSFER_ATTEMPTS, RetryBudget, blobTransferAttempts, maxSendsPerRequest } from "../../provider/sync/retry-budget";

const transient = () => true;
const noPause = async () => {};

test("attempts at one piece of work count across calls (rounds); a spent one fails at once with its last error", async () => {
  const budget = new RetryBudget();
  let calls = 0;
  const failing = async () => {
    calls++;
    throw new Error(`503 #${calls}`);
  };
  await assert.rejects(budget.run("blob a", failing, transient, noPause), /503 #3/);
  assert.equal(calls, BLOB_TRANSFER_ATTEMPTS);
  await assert.rejects(budget.run("blob a", failing, transient, noPause), /503 #3/, "a later round gets the last error, without an attempt");
  assert.equal(calls, BLOB_TRANSFER_ATTEMPTS);
  assert.equal(await budget.run("blob b", async () => "other work has its own attempts", transient, noPause), "other work has its own attempts");
});

test("a failure that is not transient is not repeated, and a later round may try again while attempts remain", async () => {
  const budget = new RetryBudget(3);
  let calls = 0;
  await assert.rejects(
    budget.run(
      "blob a",
      async () => Promise.reject(new Error(`denied ${++calls}`)),
      () => false,
      noPause,
    ),
    /denied 1/,
  );
  assert.equal(await budget.run("blob a", async () => `ok after ${++calls}`, transient, noPause), "ok after 2");
});

test("success forgets the count; pauses come between attempts only", async () => {
  const budget = new RetryBudget(3);
  const pauses: number[] = [];
  let calls = 0;
  assert.equal(
    await budget.run(
      "blob a",
      async () => (++calls < 3 ? Promise.reject(new Error("reset")) : "done"),
      transient,
      async (attempt) => void pauses.push(attempt),
    ),
    "done",
  );
  assert.deepEqual(pauses, [1, 2]);
  calls = 0;
  assert.equal(await budget.run("blob a", async () => (++calls < 3 ? Promise.reject(new Error("reset")) : "again"), transient, noPause), "again");
});

test("the bound: HTTP sends times the larger of blob attempts and rounds", () => {
  assert.deepEqual([0, 1, 2, 3, 10].map(blobTransferAttempts), [3, 3, 3, 4, 11]);
  assert.equal(maxSendsPerRequest(2), 12);
  assert.equal(maxSendsPerRequest(0), 12, "blob transfers keep their 3 attempts without rounds");
  assert.equal(maxSendsPerRequest(10), 44);
  assert.equal(maxSendsPerRequest(2, 0), 3);
});
