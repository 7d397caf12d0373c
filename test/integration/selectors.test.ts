import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { runSync } from "../../provider";
import { seedStandardFixture, Fixture } from "../support/fixtures";
import { startRegistry, RegistryServer } from "../support/registry-server";
import { listTags, manifestDigest } from "../support/skopeo";

/** Tag selection (all, list, regex, digest), pagination, and destination naming. */

let source: RegistryServer;
let destination: RegistryServer;
let fixture: Fixture;

before(async () => {
  // Distribution 2.8 ignores n/last on tag lists; the test bed's proxy pages them as Harbor and others do.
  [source, destination] = await Promise.all([startRegistry({ paginateTags: true }), startRegistry()]);
  fixture = await seedStandardFixture(source);
});
after(async () => Promise.all([source?.stop(), destination?.stop()]));

const tagsOf = (name: string) => fixture.repos.find((repo) => repo.name === name)!.tags;

test("all 120 tags are found across Link-paginated tag lists", async () => {
  source.clearRequests();
  const report = await runSync({ images: { [`${source.host}/many/tags`]: `${destination.host}/paged/tags` } }, { tagPageSize: 50 });
  assert.equal(report.counts.failed, 0);
  assert.equal(report.counts.synced, 120);
  const listings = source.requests().filter((r) => r.path.includes("/tags/list"));
  assert.equal(listings.length, 3, "pages of 50, 50 and 20");
  assert.equal((await listTags(`docker://${destination.host}/paged/tags`)).length, 120);
});

test("a regex selects matching tags only; a list selects those tags", async () => {
  const report = await runSync({
    images: {
      [`${source.host}/many/tags:/^t00[0-4]$/`]: `${destination.host}/regex/tags`,
      [`${source.host}/apps/web:1.0,2.0`]: `${destination.host}/listed/web`,
    },
  });
  assert.equal(report.counts.failed, 0);
  assert.deepEqual((await listTags(`docker://${destination.host}/regex/tags`)).sort(), ["t000", "t001", "t002", "t003", "t004"]);
  assert.deepEqual((await listTags(`docker://${destination.host}/listed/web`)).sort(), ["1.0", "2.0"]);
});

test("a digest source is pushed by digest; a destination tag renames it", async () => {
  const [first] = tagsOf("apps/web");
  const report = await runSync({
    images: {
      [`${source.host}/apps/web@${first.digest}`]: [`${destination.host}/bydigest/web`, `${destination.host}/renamed/web:golden`],
    },
  });
  assert.equal(report.counts.failed, 0);
  assert.equal(await manifestDigest(`docker://${destination.host}/bydigest/web@${first.digest}`), first.digest);
  assert.equal(await manifestDigest(`docker://${destination.host}/renamed/web:golden`), first.digest);
});

test('an empty destination uses --registry/--namespace and keeps the last path component', async () => {
  const report = await runSync({ images: { [`${source.host}/library/alpine-like`]: "" }, defaults: { registry: destination.host, namespace: "image-syncer" } });
  assert.equal(report.counts.failed, 0);
  for (const tag of tagsOf("library/alpine-like")) {
    assert.equal(await manifestDigest(`docker://${destination.host}/image-syncer/alpine-like:${tag.tag}`), tag.digest);
  }
});

test("a missing source tag fails that image only, with the reason", async () => {
  const report = await runSync({ images: { [`${source.host}/apps/web:1.0,nope`]: `${destination.host}/partial/web` } });
  const byTag = Object.fromEntries(report.results.map((r) => [r.source.split(":").pop(), r]));
  assert.equal(byTag["1.0"].status, "synced");
  assert.equal(byTag["nope"].status, "failed");
  assert.match(byTag["nope"].error!, /source image apps\/web:nope not found/);
});
