import assert from "node:assert/strict";
import { test } from "node:test";
import { untilAborted } from "../../../provider/clients/http";

/** The one helper that answers a caller at the abort, whatever the work it waits on does with the signal. */

test("work that ignores the signal is left behind at the abort, with the signal's reason; what it yields later is released", async () => {
  const controller = new AbortController();
  let finish: (value: string) => void = () => {};
  const work = new Promise<string>((resolve) => {
    finish = resolve;
  });
  const released: string[] = [];
  const waiting = untilAborted(work, controller.signal, (late) => released.push(late));
  controller.abort(new Error("stopped by the user"));
  await assert.rejects(waiting, /stopped by the user/);
  finish("response");
  await work;
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(released, ["response"]);
});

test("work that finishes first is answered as it is, released by nobody; an already aborted signal answers at once", async () => {
  const controller = new AbortController();
  const released: string[] = [];
  assert.equal(await untilAborted(Promise.resolve("done"), controller.signal, (late) => released.push(late)), "done");
  controller.abort(new Error("later"));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(released, []);
  await assert.rejects(untilAborted(new Promise(() => {}), AbortSignal.abort(new Error("before"))), /before/);
  assert.equal(await untilAborted(Promise.resolve(1), undefined), 1);
});
