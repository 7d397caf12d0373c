import assert from "node:assert/strict";
import { test } from "node:test";
import { compileRules } from "../../provider/sync";
import { mapConcurrent } from "../../provider/sync/concurrency";
import { planSync } from "../../provider/sync/plan";
import type { RegistryPool } from "../../provider/sync/registry-pool";

/**
 * Planning must stay linear in the rules: a config of hundreds of thousands of rules ran for
 * minutes when queues were drained with Array.shift. Complexity is asserted by counting
 * operations, not by timing: every element an array method has to walk or move (shift,
 * unshift, splice, indexOf, includes, lastIndexOf) is counted, plus the worker calls.
 */

const WALKING = ["shift", "unshift", "splice", "indexOf", "includes", "lastIndexOf"] as const;

async function countingArrayWork<T>(work: () => Promise<T>): Promise<{ result: T; elementsWalked: number }> {
  const originals = WALKING.map((name) => [name, Array.prototype[name]] as const);
  let elementsWalked = 0;
  for (const [name, original] of originals) {
    (Array.prototype as unknown as Record<string, unknown>)[name] = function (this: unknown[], ...args: unknown[]) {
      elementsWalked += this.length;
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
  }
  try {
    return { result: await work(), elementsWalked };
  } finally {
    for (const [name, original] of originals) (Array.prototype as unknown as Record<string, unknown>)[name] = original;
  }
}

/** No network: every source lists three tags, instantly. */
function fakePool(listings: { count: number }): RegistryPool {
  const client = { listTags: async () => (listings.count++, ["a", "b", "c"]) };
  return { client: () => client } as unknown as RegistryPool;
}

function imagesOf(rules: number): Record<string, string> {
  const images: Record<string, string> = {};
  for (let i = 0; i < rules; i++) images[i % 10 === 0 ? `src.io/all/app${i}` : `src.io/team/app${i}:1.0`] = `dst.io/mirror/app${i}`;
  return images;
}

async function planCost(rules: number): Promise<{ elementsWalked: number; workerCalls: number; tasks: number }> {
  const listings = { count: 0 };
  const { result, elementsWalked } = await countingArrayWork(async () => planSync(compileRules(imagesOf(rules)), fakePool(listings), () => {}));
  assert.equal(result.failures.length, 0);
  return { elementsWalked, workerCalls: listings.count, tasks: result.tasks.length };
}

test("planning 500k rules costs ten times planning 50k: linear, counted in array elements walked", async () => {
  const small = await planCost(50_000);
  const large = await planCost(500_000);
  assert.equal(large.tasks, 500_000 * 0.9 + 500_000 * 0.1 * 3);
  assert.equal(large.workerCalls, 50_000, "one listing per all-tags source");
  // Linear: at most a small constant number of elements walked per rule, and the same per rule at both sizes.
  assert.ok(large.elementsWalked <= 20 * 500_000, `${large.elementsWalked} elements walked for 500k rules`);
  assert.ok(large.elementsWalked <= 12 * Math.max(small.elementsWalked, 1), `50k rules: ${small.elementsWalked}, 500k rules: ${large.elementsWalked}`);
});

test("mapConcurrent keeps only `limit` operations alive and walks no queue", async () => {
  let alive = 0;
  let peak = 0;
  const items = Array.from({ length: 200_000 }, (_, i) => i);
  const { result, elementsWalked } = await countingArrayWork(() =>
    mapConcurrent(items, 8, async (item) => {
      peak = Math.max(peak, ++alive);
      await Promise.resolve();
      alive--;
      return item * 2;
    }),
  );
  assert.equal(result.length, items.length);
  assert.equal(result[123_456], 246_912, "results keep the input order");
  assert.equal(peak, 8);
  assert.equal(elementsWalked, 0);
});

test("a cancelled signal stops planning: rules not yet planned fail with the reason, even if a listing never answers", async () => {
  const hanging = { listTags: () => new Promise<string[]>(() => {}) };
  const pool = { client: () => hanging } as unknown as RegistryPool;
  const controller = new AbortController();
  const rules = compileRules(Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`src.io/all/app${i}`, `dst.io/mirror/app${i}`])));
  setTimeout(() => controller.abort(new Error("--timeout of 50 ms reached")), 50);
  const plan = await planSync(rules, pool, () => {}, new Map(), controller.signal);
  assert.equal(plan.tasks.length, 0);
  assert.equal(plan.failures.length, 1000);
  assert.ok(plan.failures.every((failure) => failure.error === "cancelled: --timeout of 50 ms reached"));
});

test("sources listed at plan time that write one destination tag fail, each naming the other", async () => {
  const client = { listTags: async (repository: string) => (repository === "team/one" ? ["1.0", "2.0"] : ["2.0", "3.0"]) };
  const pool = { client: () => client } as unknown as RegistryPool;
  const rules = compileRules({ "src.io/team/one": "dst.io/mirror/app", "src.io/team/two": "dst.io/mirror/app", "src.io/team/one:1.0": "dst.io/mirror/app" });
  const plan = await planSync(rules, pool, () => {});
  assert.deepEqual(
    plan.tasks.map((task) => `${task.source.repository}:${task.source.tag} -> ${task.destination.tag}`),
    ["team/one:1.0 -> 1.0", "team/two:3.0 -> 3.0"],
  );
  assert.deepEqual(
    plan.failures.map((failure) => failure.error),
    [
      'destination dst.io/mirror/app:2.0 is also written by src.io/team/two:2.0 (rule "src.io/team/two"): two source images cannot write one tag; give each its own destination',
      'destination dst.io/mirror/app:2.0 is also written by src.io/team/one:2.0 (rule "src.io/team/one"): two source images cannot write one tag; give each its own destination',
    ],
  );
});

test("listed sources writing one tag through two names of one registry fail too (localhost and 127.0.0.1)", async () => {
  const client = { listTags: async (repository: string) => (repository === "team/one" ? ["1.0", "2.0"] : ["2.0", "3.0"]) };
  const pool = { client: () => client } as unknown as RegistryPool;
  const rules = compileRules({
    "src.io/team/one": "localhost:5002/mirror/app",
    "src.io/team/two": "127.0.0.1:5002/mirror/app",
    "SRC.IO:443/team/one:1.0": "LOCALHOST:5002/mirror/app",
  });
  const plan = await planSync(rules, pool, () => {});
  assert.deepEqual(
    plan.tasks.map((task) => `${task.source.repository}:${task.source.tag} -> ${task.destination.registry} ${task.destination.tag}`),
    ["team/one:1.0 -> localhost:5002 1.0", "team/two:3.0 -> 127.0.0.1:5002 3.0"],
  );
  assert.deepEqual(
    plan.failures.map((failure) => failure.error),
    [
      'destination localhost:5002/mirror/app:2.0 is also written by src.io/team/two:2.0 (rule "src.io/team/two"): two source images cannot write one tag; give each its own destination',
      'destination 127.0.0.1:5002/mirror/app:2.0 is also written by src.io/team/one:2.0 (rule "src.io/team/one"): two source images cannot write one tag; give each its own destination',
    ],
  );
});
