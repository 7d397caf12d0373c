import assert from "node:assert/strict";
import { test } from "node:test";
import { runSync } from "../../provider";
import { useSeededRegistries } from "../support/seeded-registries";
import { listTags, manifestDigest } from "../support/skopeo";

/** Tag selection (all, list, regex, digest), pagination, and destination naming. */

// Distribution 2.8 ignores n/last on tag lists; the test bed's proxy pages them as Harbor and others do.
const bed = useSeededRegistries({ paginateTags: true });

const tagsOf = (name: string) => bed.fixture.repos.find((repo) => repo.name === name)!.tags;

test("all 120 tags are found across Link-paginated tag lists", async () => {
  bed.source.clearRequests();
  const report = await runSync({ images: { [`${bed.source.host}/many/tags`]: `${bed.destination.host}/paged/tags` } }, { tagPageSize: 50 });
  assert.equal(report.counts.failed, 0);
  assert.equal(report.counts.synced, 120);
  const listings = bed.source.requests().filter((r) => r.path.includes("/tags/list"));
  assert.equal(listings.length, 3, "pages of 50, 50 and 20");
  assert.equal((await listTags(`docker://${bed.destination.host}/paged/tags`)).length, 120);
});

test("a regex selects matching tags only; a list selects those tags", async () => {
  const report = await runSync({
    images: {
      [`${bed.source.host}/many/tags:/^t00[0-4]$/`]: `${bed.destination.host}/regex/tags`,
      [`${bed.source.host}/apps/web:1.0,2.0`]: `${bed.destination.host}/listed/web`,
    },
  });
  assert.equal(report.counts.failed, 0);
  assert.deepEqual((await listTags(`docker://${bed.destination.host}/regex/tags`)).sort(), ["t000", "t001", "t002", "t003", "t004"]);
  assert.deepEqual((await listTags(`docker://${bed.destination.host}/listed/web`)).sort(), ["1.0", "2.0"]);
});

test("a digest source is pushed by digest; a destination tag renames it", async () => {
  const [first] = tagsOf("apps/web");
  const report = await runSync({
    images: {
      [`${bed.source.host}/apps/web@${first.digest}`]: [`${bed.destination.host}/bydigest/web`, `${bed.destination.host}/renamed/web:golden`],
    },
  });
  assert.equal(report.counts.failed, 0);
  assert.equal(await manifestDigest(`docker://${bed.destination.host}/bydigest/web@${first.digest}`), first.digest);
  assert.equal(await manifestDigest(`docker://${bed.destination.host}/renamed/web:golden`), first.digest);
});

test("an empty destination uses --registry/--namespace and keeps the last path component", async () => {
  const report = await runSync({
    images: { [`${bed.source.host}/library/alpine-like`]: "" },
    defaults: { registry: bed.destination.host, namespace: "image-syncer" },
  });
  assert.equal(report.counts.failed, 0);
  for (const tag of tagsOf("library/alpine-like")) {
    assert.equal(await manifestDigest(`docker://${bed.destination.host}/image-syncer/alpine-like:${tag.tag}`), tag.digest);
  }
});

test("a missing source tag fails that image only, with the reason", async () => {
  const report = await runSync({ images: { [`${bed.source.host}/apps/web:1.0,nope`]: `${bed.destination.host}/partial/web` } });
  const byTag = Object.fromEntries(report.results.map((r) => [r.source.split(":").pop(), r]));
  assert.equal(byTag["1.0"].status, "synced");
  assert.equal(byTag.nope.status, "failed");
  assert.match(byTag.nope.error!, /source image apps\/web:nope not found/);
});
