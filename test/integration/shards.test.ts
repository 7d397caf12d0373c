import assert from "node:assert/strict";
import { test } from "node:test";
import { runSync, runVerify } from "../../provider";
import { inShard, parseShard } from "../../provider/sync";
import { useSeededRegistries } from "../support/seeded-registries";

/** `--shard i/N`: N runs copy disjoint parts of one job, by repository, and together all of it. */

const bed = useSeededRegistries();
const job = (prefix: string) => ({
  images: Object.fromEntries(bed.fixture.repos.map((repo) => [`${bed.source.host}/${repo.name}`, `${bed.destination.host}/${prefix}/${repo.name}`])),
});

test("three shards copy disjoint sets of repositories whose union is the whole job", async () => {
  const whole = await runVerify(job("sharded"));
  const all = whole.rows.map((row) => row.destination).sort();
  const parts = [];
  for (let index = 0; index < 3; index++) {
    const report = await runSync(job("sharded"), { shard: { index, count: 3 } });
    assert.equal(report.counts.failed, 0, JSON.stringify(report.results.filter((r) => r.status === "failed")));
    parts.push(report.results.map((result) => result.destination));
  }
  const union = parts.flat().sort();
  assert.deepEqual(union, all, "together the shards are the whole job, each image once");
  // Which part each repository lands in depends on the source host (a random port here), so
  // the split is checked against the hash, and the hash's spread on fixed names below.
  const sourceRepositoryOf = (destination: string) => destination.slice(`${bed.destination.host}/sharded/`.length).replace(/:[^:/]+$/, "");
  for (const [index, part] of parts.entries()) {
    assert.deepEqual(
      part.filter((destination) => !inShard({ index, count: 3 }, bed.source.host, sourceRepositoryOf(destination))),
      [],
      `shard ${index} copies only its own repositories`,
    );
  }
  const repositoryOf = (destination: string) => destination.replace(/:[^:/]+$/, "");
  const owners = new Map<string, number>();
  for (const [index, part] of parts.entries()) {
    for (const destination of part) {
      const repository = repositoryOf(destination);
      assert.ok(owners.get(repository) === undefined || owners.get(repository) === index, `${repository} is split across shards`);
      owners.set(repository, index);
    }
  }
  assert.equal((await runVerify(job("sharded"))).complete, true, "after all shards ran, the destination is complete");
  const again = await runSync(job("sharded"), { shard: { index: 1, count: 3 } });
  assert.deepEqual(again.results.map((result) => result.destination).sort(), [...parts[1]].sort(), "the same split on every run");
});

test("the hash spreads repositories over the shards", () => {
  const repositories = Array.from({ length: 30 }, (_, index) => `team-${index}/app`);
  const sizes = [0, 1, 2].map((index) => repositories.filter((repository) => inShard({ index, count: 3 }, "harbor.example.com", repository)).length);
  assert.equal(
    sizes.reduce((a, b) => a + b),
    30,
    "each repository in exactly one shard",
  );
  assert.ok(
    sizes.every((size) => size >= 5),
    `every shard gets a fair part: ${sizes.join(", ")}`,
  );
});

test("a shard is written i/N, numbered from 0", () => {
  assert.deepEqual(parseShard("2/3"), { index: 2, count: 3 });
  assert.throws(() => parseShard("3/3"), /expected i\/N with N at least 1 and i from 0 to N-1/);
  assert.throws(() => parseShard("1"), /invalid shard "1"/);
});

test("--shard on the command line: parsed, and a bad value refused naming the flag", async () => {
  const { parseCommandArguments, UsageError } = await import("../../cli/arguments");
  assert.deepEqual(parseCommandArguments("sync", ["--shard", "1/4"]).shard, { index: 1, count: 4 });
  assert.throws(
    () => parseCommandArguments("sync", ["--shard", "4/4"]),
    (error: Error) => error instanceof UsageError && /^--shard: invalid shard "4\/4"/.test(error.message),
  );
});
