import assert from "node:assert/strict";
import { test } from "node:test";
import { RegistryClient, checkReferrersPageLink, parseReferrersIndex, referrerDescriptor, referrersTag, subjectOf } from "../../provider/clients/oci";
import { parseCommandArguments } from "../../cli/arguments";
import { ReferrerDirectory } from "../../provider/sync/referrer-discovery";

const DIGEST = `sha256:${"a".repeat(64)}`;

test("the fallback tag of a digest is sha256-<hex>; anything else is refused", () => {
  assert.equal(referrersTag(DIGEST), `sha256-${"a".repeat(64)}`);
  assert.throws(() => referrersTag("../x"), /not a digest/);
});

test("a subject is read from a manifest, and a malformed one is an error, not a silent miss", () => {
  assert.equal(subjectOf(Buffer.from(JSON.stringify({ subject: { digest: DIGEST, size: 1, mediaType: "a/b" } })), "reg", "m"), DIGEST);
  assert.equal(subjectOf(Buffer.from("{}"), "reg", "m"), undefined);
  assert.throws(() => subjectOf(Buffer.from(JSON.stringify({ subject: { digest: "sha256:../../x" } })), "reg", "m"), /invalid digest/);
});

test("a referrers list must be an OCI index of checked descriptors", () => {
  const entry = { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: DIGEST, size: 10, artifactType: "application/spdx+json" };
  assert.deepEqual(
    parseReferrersIndex(
      Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [entry] })),
      "reg",
      "x",
    ),
    [entry],
  );
  assert.throws(
    () =>
      parseReferrersIndex(Buffer.from(JSON.stringify({ mediaType: "application/vnd.docker.distribution.manifest.list.v2+json", manifests: [] })), "reg", "x"),
    /expected an OCI index/,
  );
  assert.throws(() => parseReferrersIndex(Buffer.from(JSON.stringify({ manifests: [{ ...entry, size: -1 }] })), "reg", "x"), /invalid size/);
  assert.throws(
    () => parseReferrersIndex(Buffer.from(JSON.stringify({ manifests: [{ ...entry, mediaType: "bad type\r\nx: y" }] })), "reg", "x"),
    /invalid media type/,
  );
});

test("a referrer's artifactType is its own, else its config's media type", () => {
  const own = referrerDescriptor(
    Buffer.from(JSON.stringify({ artifactType: "application/spdx+json", config: { mediaType: "application/vnd.oci.empty.v1+json" } })),
    "m/t",
    DIGEST,
    "reg",
    "x",
  );
  assert.equal(own.artifactType, "application/spdx+json");
  const fromConfig = referrerDescriptor(Buffer.from(JSON.stringify({ config: { mediaType: "application/vnd.dev.cosign.x" } })), "m/t", DIGEST, "reg", "x");
  assert.equal(fromConfig.artifactType, "application/vnd.dev.cosign.x");
});

test("--no-referrers turns referrers off; they are on by default", () => {
  assert.equal(parseCommandArguments("sync", []).referrers, true);
  assert.equal(parseCommandArguments("sync", ["--no-referrers"]).referrers, false);
});

test("a referrers page link must stay on the registry, in the repository and on the subject; an encoded colon is the same path", () => {
  const first = new URL(`http://reg:5000/v2/team/app/referrers/${DIGEST}`);
  const check = (raw: string) => checkReferrersPageLink(new URL(raw, first), raw, first, "team/app", DIGEST, "reg:5000");
  assert.equal(check(`/v2/team/app/referrers/${DIGEST}?n=2&last=x`).search, "?n=2&last=x");
  assert.equal(check(`/v2/team/app/referrers/${DIGEST.replace(":", "%3A")}?n=2`).search, "?n=2");
  for (const hostile of [
    `http://other:5000/v2/team/app/referrers/${DIGEST}`,
    `/v2/team/other/referrers/${DIGEST}`,
    `/v2/team/app/referrers/sha256:${"b".repeat(64)}`,
    `/v2/team/app/tags/list`,
    `http://user:pw@reg:5000/v2/team/app/referrers/${DIGEST}`,
    `/v2/team/app/referrers/${DIGEST}/../../../other/referrers/${DIGEST}`,
  ]) {
    assert.throws(
      () => check(hostile),
      (error: Error) =>
        error.message.startsWith("invalid Link ") &&
        error.message.includes(`from reg:5000: expected the next page of /v2/team/app/referrers/${DIGEST} on http://reg:5000`),
      hostile,
    );
  }
});

test("a referrers probe that fails fails its own image only: the images that waited for it ask again; a registry without the API is asked once", async () => {
  const hostile = `sha256:${"e".repeat(64)}`;
  const asked: string[] = [];
  const client = (hasApi: boolean) =>
    ({
      host: "reg",
      listReferrers: async (_repository: string, digest: string) => {
        asked.push(digest);
        await new Promise((resolve) => setTimeout(resolve, 10));
        if (digest === hostile) throw new Error("a hostile page link");
        return hasApi ? [] : undefined;
      },
    }) as unknown as RegistryClient;
  const directory = new ReferrerDirectory();
  const withApi = client(true);
  const [first, second] = await Promise.allSettled([directory.apiReferrers(withApi, "r", hostile), directory.apiReferrers(withApi, "r", DIGEST)]);
  assert.equal(first.status, "rejected");
  assert.deepEqual(second, { status: "fulfilled", value: [] }, "the image that waited for the failed probe is listed");
  assert.deepEqual(asked, [hostile, DIGEST]);

  asked.length = 0;
  const withoutApi = client(false);
  const answers = await Promise.all(
    [DIGEST, `sha256:${"b".repeat(64)}`, `sha256:${"c".repeat(64)}`].map((digest) => directory.apiReferrers(withoutApi, "r", digest)),
  );
  assert.deepEqual(answers, [undefined, undefined, undefined]);
  assert.deepEqual(asked, [DIGEST], "one probe; the others learn from it");
});
