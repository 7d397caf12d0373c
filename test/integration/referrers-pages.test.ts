import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, test } from "node:test";
import { ImageResult, runSync, runVerify } from "../../provider";
import { pushSmallImage } from "../support/fixtures";
import { listenOnLoopback } from "../support/loopback-server";
import { BuiltArtifact, Descriptor, descriptorOf, fallbackTag, getJson, pushArtifact, referrer } from "../support/referrer-artifacts";
import { ReferrersFront, startReferrersFront } from "../support/referrers-front";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { manifestDigest } from "../support/skopeo";

/**
 * A referrers list may come in pages (`Link: <...>; rel="next"`). Every page is read, and a
 * page link is held to what a tag-list link is: the same registry, the same list (repository
 * and subject), no page twice, and an end. A registry breaking that fails the image it
 * answered about, with the reason, and nothing is asked of or written to anywhere else.
 */

let source: RegistryServer;
let destination: RegistryServer;

before(async () => {
  [source, destination] = await Promise.all([startRegistry(), startRegistry()]);
});

after(async () => {
  await Promise.all([source?.stop(), destination?.stop()]);
});

/** `count` SBOM-like referrers of `subject`, pushed through the front so it lists them. */
async function pushReferrers(front: ReferrersFront, repository: string, subject: Descriptor, count: number): Promise<BuiltArtifact[]> {
  const artifacts = Array.from({ length: count }, (_, i) =>
    referrer(subject, `application/vnd.example.report${i}+json`, `{"report":${i},"of":"${repository}"}`),
  );
  for (const artifact of artifacts) await pushArtifact(front.url, repository, artifact);
  return artifacts;
}

/** Every entry of a referrers list, following its pages, as a client would. */
async function listAllPages(front: ReferrersFront, repository: string, digest: string): Promise<{ digests: string[]; pages: number }> {
  const digests: string[] = [];
  let url: string | undefined = `${front.url}/v2/${repository}/referrers/${digest}`;
  let pages = 0;
  while (url) {
    const answer = await getJson(url);
    assert.equal(answer.status, 200);
    pages++;
    digests.push(...answer.body.manifests.map((entry: { digest: string }) => entry.digest));
    const link = /<([^>]+)>;\s*rel="next"/.exec(String(answer.headers.link ?? ""));
    url = link ? new URL(link[1], front.url).toString() : undefined;
  }
  return { digests, pages };
}

test("referrers over three pages are all copied, digests unchanged, and verify reads every page on both sides", async () => {
  let sourceFront: ReferrersFront | undefined;
  let destinationFront: ReferrersFront | undefined;
  try {
    sourceFront = await startReferrersFront(new URL(source.url), { pageSize: 2 });
    destinationFront = await startReferrersFront(new URL(destination.url), { pageSize: 2 });
    await pushSmallImage(source, "paged/app:1.0", undefined, "-paged");
    const subject = await descriptorOf(source.url, "paged/app", "1.0");
    const artifacts = await pushReferrers(sourceFront, "paged/app", subject, 5);
    const listed = await listAllPages(sourceFront, "paged/app", subject.digest);
    assert.equal(listed.pages, 3, "the front pages the list: 2 + 2 + 1");
    assert.deepEqual(
      listed.digests,
      artifacts.map((artifact) => artifact.digest),
    );

    const images = { [`${sourceFront.host}/paged/app:1.0`]: `${destinationFront.host}/paged/app` };
    const asked = sourceFront.requests().length;
    const report = await runSync({ images });
    assert.equal(report.counts.failed, 0, JSON.stringify(report.results));
    const pageRequests = sourceFront
      .requests()
      .slice(asked)
      .filter((line) => line.startsWith(`GET /v2/paged/app/referrers/${subject.digest}`));
    assert.equal(pageRequests.length, 3, `one request per page of the subject's list: ${pageRequests.join(", ")}`);
    for (const artifact of artifacts) assert.equal(await manifestDigest(`docker://${destination.host}/paged/app@${artifact.digest}`), artifact.digest);
    const copied = await listAllPages(destinationFront, "paged/app", subject.digest);
    assert.deepEqual(copied.digests.sort(), artifacts.map((artifact) => artifact.digest).sort(), "the destination's API lists every one");
    assert.equal(
      (await getJson(`${destination.url}/v2/paged/app/manifests/${fallbackTag(subject.digest)}`)).status,
      404,
      "a destination with the API gets no fallback index",
    );
    assert.equal((await runVerify({ images })).complete, true);

    // Gone from the destination's last page: only a verify that reads every page sees it.
    const last = copied.digests[copied.digests.length - 1];
    const removed = await fetch(`${destinationFront.url}/v2/paged/app/manifests/${last}`, { method: "DELETE" });
    assert.equal(removed.status, 202);
    const verify = await runVerify({ images });
    assert.equal(verify.complete, false);
    assert.ok(
      verify.rows[0].missing!.some((line) => line.includes(last)),
      JSON.stringify(verify.rows[0]),
    );
  } finally {
    await sourceFront?.stop();
    await destinationFront?.stop();
  }
});

test("a page link to another host, another repository, a page already read, or pages without end fails that image only, naming the registry, and nothing else is touched", async () => {
  const trapHits: string[] = [];
  const trap = createServer((req, res) => {
    trapHits.push(`${req.method} ${req.url}`);
    res.writeHead(200, { "content-type": "application/vnd.oci.image.index.v1+json" }).end('{"schemaVersion":2,"manifests":[]}');
  });
  const trapListening = await listenOnLoopback(trap);
  const trapOrigin = `http://127.0.0.1:${trapListening.port}`;
  let rounds = 0;
  let front: ReferrersFront | undefined;
  try {
    front = await startReferrersFront(new URL(source.url), {
      pageSize: 1,
      nextLink: ({ repository, digest, next }) => {
        if (repository === "hostile/other-host") return `${trapOrigin}/v2/${repository}/referrers/${digest}?n=1`;
        if (repository === "hostile/other-repo") return `/v2/hostile/fine/referrers/${digest}?n=1`;
        if (repository === "hostile/loop") return next ?? `/v2/${repository}/referrers/${digest}`;
        // Every page a new URL, for ever: only a cap ends it.
        if (repository === "hostile/endless") return `/v2/${repository}/referrers/${digest}?round=${++rounds}`;
        return next;
      },
    });
    const names = ["other-host", "other-repo", "loop", "endless", "fine"];
    const subjects = new Map<string, Descriptor>();
    const referrersOf = new Map<string, BuiltArtifact[]>();
    for (const name of names) {
      await pushSmallImage(source, `hostile/${name}:1.0`, undefined, `-${name}`);
      const subject = await descriptorOf(source.url, `hostile/${name}`, "1.0");
      subjects.set(name, subject);
      referrersOf.set(name, await pushReferrers(front, `hostile/${name}`, subject, 2));
    }
    destination.clearRequests();
    const images = Object.fromEntries(names.map((name) => [`${front!.host}/hostile/${name}:1.0`, `${destination.host}/mirror/${name}`]));
    const report = await runSync({ images });

    const result = (name: string) => report.results.find((row) => row.destination.endsWith(`/mirror/${name}:1.0`)) as ImageResult;
    assert.equal(result("fine").status, "synced", JSON.stringify(report.results, null, 2));
    for (const artifact of referrersOf.get("fine")!)
      assert.equal(await manifestDigest(`docker://${destination.host}/mirror/fine@${artifact.digest}`), artifact.digest);
    const path = (name: string) => `/v2/hostile/${name}/referrers/${subjects.get(name)!.digest}`;
    assert.match(
      result("other-host").error ?? "",
      new RegExp(
        `^invalid Link "${trapOrigin}/v2/hostile/other-host/referrers/sha256:[0-9a-f]+.*" from ${front.host}: expected the next page of ${path("other-host")} on http://${front.host}$`,
      ),
    );
    assert.match(
      result("other-repo").error ?? "",
      new RegExp(`^invalid Link "/v2/hostile/fine/referrers/sha256:[0-9a-f]+.*" from ${front.host}: expected the next page of ${path("other-repo")}`),
    );
    assert.match(result("loop").error ?? "", new RegExp(`^${front.host}: the referrers of hostile/loop@sha256:[0-9a-f]{64} link back to a page already read`));
    assert.match(result("endless").error ?? "", new RegExp(`^${front.host}: the referrers of hostile/endless@sha256:[0-9a-f]{64} go on past 100 pages$`));
    assert.equal(report.counts.failed, 4);
    assert.ok(
      report.results.filter((row) => row.status === "failed").every((row) => row.retryable === false),
      "a bad answer is not retried",
    );

    assert.deepEqual(trapHits, [], "the other host was never contacted");
    const asked = front.requests();
    assert.ok(
      !asked.some((line) => line.includes(`/v2/hostile/fine/referrers/${subjects.get("other-repo")!.digest}`)),
      "the other repository's list was never asked for",
    );
    const writes = destination.requests().filter((request) => request.method !== "GET" && request.method !== "HEAD");
    const outside = writes.filter((request) => !names.some((name) => request.path.startsWith(`/v2/mirror/${name}/`)));
    assert.deepEqual(outside, [], "nothing written outside the images' own repositories");
    for (const name of names.filter((name) => name !== "fine")) {
      const mine = writes.filter((request) => request.path.startsWith(`/v2/mirror/${name}/manifests/`)).map((request) => request.path);
      assert.deepEqual(mine, [`/v2/mirror/${name}/manifests/1.0`], `only the image itself reached mirror/${name}: its referrers were not half-copied`);
    }
  } finally {
    await front?.stop();
    await trapListening.close();
  }
});
