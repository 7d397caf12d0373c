import assert from "node:assert/strict";
import { test } from "node:test";
import { cronProblem, flattenedDestination, sampleRepository } from "../../provider/clients/harbor";
import { destinationRepository } from "../support/harbor";

test("cron: six fields, seconds 0, minutes not *", () => {
  assert.equal(cronProblem("0 0 2 * * *"), undefined);
  assert.equal(cronProblem("0 30 */6 * * MON-FRI"), undefined);
  assert.match(cronProblem("0 2 * * *")!, /6 space-separated fields .* got 5/);
  assert.match(cronProblem("5 0 2 * * *")!, /first \(seconds\) field/);
  assert.match(cronProblem("0 * 2 * * *")!, /not \*/);
  assert.match(cronProblem("0 0 2 * * $")!, /digits, names/);
});

test("flattening follows the table in Harbor's docs, and agrees with the stand-in's own rule", () => {
  const cases: [number, string][] = [
    [-1, "ns/img"],
    [0, "ns/a/b/c/d/img"],
    [1, "ns/b/c/d/img"],
    [2, "ns/c/d/img"],
    [3, "ns/d/img"],
  ];
  for (const [level, expected] of cases) {
    assert.equal(flattenedDestination("a/b/c/d/img", "ns", level), expected, `level ${level}`);
    assert.deepEqual(destinationRepository("a/b/c/d/img", "ns", level), { repository: expected });
  }
  assert.equal(flattenedDestination("a/b/img", "", 3), "a/b/img", "an empty namespace keeps the path (harbor#19319)");
  assert.throws(() => flattenedDestination("library/nginx", "ns", 2), /would leave no name: it has 2 path component/);
  assert.ok("error" in destinationRepository("library/nginx", "ns", 2));
});

test("a sample repository for a name filter", () => {
  assert.equal(sampleRepository(undefined), "library/app");
  assert.equal(sampleRepository("dr-source/**"), "dr-source/team/app");
  assert.equal(sampleRepository("library/{nginx,redis}"), "library/nginx");
  assert.equal(sampleRepository("nginx"), "library/nginx");
});
