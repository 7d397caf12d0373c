import assert from "node:assert/strict";
import { test } from "node:test";
import { UNKNOWN } from "../../../provider/resources/check-inputs";
import { imageSyncProvider, upgradeSummary, withMissingSince } from "../../../provider/resources/image-sync";

/** ImageSync's check, diff and read where no registry is needed. */

const inputs = { images: { "harbor.example.com/library/app:1": "dr.example.com/library/app" }, proc: 2 };
const olds = { ...inputs, summary: { schemaVersion: 1, syncedAt: "t", counts: { synced: 1, skipped: 0, failed: 0 }, images: [] } };

test("check: failures by property path, including the job's own rules", async () => {
  const result = await imageSyncProvider.check!({}, { images: { "harbor.example.com/library/app:1": 7 }, proc: 0 });
  const properties = (result.failures ?? []).map((failure) => failure.property).sort();
  assert.ok(properties.includes("proc"), properties.join(", "));
  assert.ok(
    properties.some((property) => property.startsWith('images["harbor.example.com/library/app:1"]')),
    properties.join(", "),
  );
  assert.deepEqual((await imageSyncProvider.check!({}, { images: UNKNOWN })).failures, []);
});

test("check: platform selectors take image-syncer's os:osversion and arch:variant; a malformed one is refused by property", async () => {
  assert.deepEqual((await imageSyncProvider.check!({}, { ...inputs, os: ["windows:10.0.17763.1999"], arch: ["arm:v7", "arm/v6", "amd64"] })).failures, []);
  const failures = (await imageSyncProvider.check!({}, { ...inputs, arch: ["arm:"] })).failures ?? [];
  assert.equal(failures.length, 1);
  assert.match(
    `${failures[0].property}: ${failures[0].reason}`,
    /^arch(\[0\]|\.0): .*invalid arch selector "arm:": expected amd64, or arch:variant such as arm:v7/,
  );
});

test("diff: a changed or unknown input is a change without looking at the destinations", async () => {
  assert.equal((await imageSyncProvider.diff!("i", olds, { ...inputs, proc: 4 })).changes, true);
  assert.equal((await imageSyncProvider.diff!("i", olds, { ...inputs, images: { "harbor.example.com/library/app:1": UNKNOWN } })).changes, true);
});

test("diff: with the inputs unchanged, destinations that cannot be checked are said, never a pending copy", async (t) => {
  const unreachable = { images: { "127.0.0.1:1/library/app:1": "127.0.0.1:1/dr/app" }, retries: 0 };
  const said = t.mock.method(console, "log", () => {});
  const result = await imageSyncProvider.diff!("i", { ...unreachable, summary: olds.summary }, unreachable);
  assert.equal(result.changes, false, "a runner that cannot reach the registries shows no perpetual update");
  const lines = said.mock.calls.map((call) => String(call.arguments[0]));
  assert.ok(
    lines.some((line) => /^warning could not check 127\.0\.0\.1:1\/library\/app:1 -> .*: not counted as a pending copy$/.test(line)),
    lines.join("\n"),
  );
});

test("diff: with REGISTRY_DR_PREVIEW_CHECKS=off the destinations are not asked at all", async (t) => {
  const unreachable = { images: { "127.0.0.1:1/library/app:1": "127.0.0.1:1/dr/app" }, retries: 0 };
  const said = t.mock.method(console, "log", () => {});
  process.env.REGISTRY_DR_PREVIEW_CHECKS = "off";
  try {
    const result = await imageSyncProvider.diff!("i", { ...unreachable, summary: olds.summary }, unreachable);
    assert.equal(result.changes, false);
    assert.equal(said.mock.callCount(), 0, "nothing checked, nothing said");
  } finally {
    delete process.env.REGISTRY_DR_PREVIEW_CHECKS;
  }
});

test("read: a resource without images keeps its state; an older summary is upgraded", async () => {
  assert.deepEqual(await imageSyncProvider.read!("i", {}), { id: "i", props: {} });
  assert.deepEqual(upgradeSummary(undefined), { schemaVersion: 1, syncedAt: "", counts: { synced: 0, skipped: 0, failed: 0 }, images: [] });
  assert.deepEqual(upgradeSummary({ syncedAt: "2026-01-01T00:00:00Z" } as never).counts, { synced: 0, skipped: 0, failed: 0 });
});

test("an image not held at the destination keeps when it was first seen missing; one held again loses it", () => {
  const previous = [
    { source: "h/a:1", destination: "d/a:1", status: "missing" as const, missingSince: "2026-11-30T08:00:00.000Z" },
    { source: "h/b:1", destination: "d/b:1", status: "missing" as const, missingSince: "2026-11-30T09:00:00.000Z" },
  ];
  const now = "2026-12-01T12:00:00.000Z";
  const images = withMissingSince(
    [
      { source: "h/a:1", destination: "d/a:1", status: "incomplete" },
      { source: "h/b:1", destination: "d/b:1", status: "present" },
      { source: "h/c:1", destination: "d/c:1", status: "failed" },
      { source: "h/d:1", destination: "d/d:1", status: "synced" },
    ],
    previous,
    now,
  );
  assert.deepEqual(
    images.map((image) => [image.destination, image.missingSince]),
    [
      ["d/a:1", "2026-11-30T08:00:00.000Z"],
      ["d/b:1", undefined],
      ["d/c:1", now],
      ["d/d:1", undefined],
    ],
  );
});
