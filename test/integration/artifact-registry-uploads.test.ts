import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { HttpTransport } from "../../provider/clients/oci";
import { RequestRate } from "../../provider/clients/oci/request-rate";
import { RegistryCredential, registryClientFor, runSync } from "../../provider/sync";
import { buildLargeLayerImage, pushImage } from "../support/fixtures";
import { ArtifactRegistryFront, GoogleStandIn, startArtifactRegistryFront, startGoogleStandIn, StandInServiceAccount } from "../support/google";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { manifestDigest } from "../support/skopeo";

/**
 * Artifact Registry's upload and quota rules in the engine: never a chunked PATCH to it (its
 * front refuses them, as AR does), plain `_json_key` Basic logins still work, and requests to
 * a host can be held to a rate.
 */

let google: GoogleStandIn;
let account: StandInServiceAccount;
let front: ArtifactRegistryFront;
let source: RegistryServer;

before(async () => {
  google = await startGoogleStandIn();
  account = google.addServiceAccount("dr-sync@dr-project.iam.gserviceaccount.com", "dr-project");
  [front, source] = await Promise.all([startArtifactRegistryFront(google.tokens, () => [account]), startRegistry()]);
  // One layer of about 3 MB: larger than the chunk size below.
  await pushImage(source, "team/big:1.0", await buildLargeLayerImage(3 * 1024 * 1024));
});

after(async () => {
  assert.deepEqual(google?.violations(), []);
  await Promise.all([front?.stop(), source?.stop(), google?.stop()]);
});

test("no chunked PATCH reaches Artifact Registry even with a chunk size set: the blob goes in one request", { timeout: 120_000 }, async () => {
  const report = await runSync(
    {
      auth: { [front.host]: { google: { serviceAccountKey: account.keyJson } } },
      images: { [`${source.host}/team/big:1.0`]: `${front.host}/dr-project/dr-images/big:1.0` },
    },
    { chunkSize: 1024 * 1024 },
  );
  assert.deepEqual(report.counts, { synced: 1, skipped: 0, failed: 0 }, JSON.stringify(report.results));
  assert.deepEqual(front.refusals(), []);
  assert.equal(
    await manifestDigest(`docker://${front.backend.host}/dr-project/dr-images/big:1.0`),
    await manifestDigest(`docker://${source.host}/team/big:1.0`),
  );
  // The run closed its token client too: no connection to the token endpoint outlives it.
  const deadline = Date.now() + 1000;
  while ((await google.openConnections()) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(await google.openConnections(), 0, "connections left open to the token endpoint");
});

test("which registries take chunked uploads: not Artifact Registry's hosts, nor any reached with a Google login", async () => {
  const transport = new HttpTransport();
  try {
    const credential = (kind: "basic" | "google"): RegistryCredential =>
      kind === "basic" ? { kind, username: "u", password: "p" } : { kind, serviceAccountKey: account.keyJson, clientEmail: account.email };
    const takes = (host: string, kind: "basic" | "google" = "basic") =>
      registryClientFor(host, { credential: credential(kind) }, transport).takesChunkedUploads;
    for (const host of ["europe-west4-docker.pkg.dev", "us-docker.pkg.dev", "gcr.io", "eu.gcr.io", "asia.gcr.io"]) assert.equal(takes(host), false, host);
    assert.equal(takes("harbor.example.com"), true);
    assert.equal(takes("docker.pkg.dev.example.com"), true, "a look-alike name is not Artifact Registry");
    assert.equal(takes("127.0.0.1:5000", "google"), false);
  } finally {
    await transport.close();
  }
});

test("plain _json_key and _json_key_base64 Basic logins keep working", { timeout: 60_000 }, async () => {
  for (const [user, password] of [
    ["_json_key", account.keyJson],
    ["_json_key_base64", Buffer.from(account.keyJson).toString("base64")],
  ]) {
    const report = await runSync({
      auth: { [front.host]: { username: user, password } },
      images: { [`${source.host}/team/big:1.0`]: `${front.host}/dr-project/dr-images/${user.replace(/_/g, "")}:1.0` },
    });
    assert.deepEqual(report.counts, { synced: 1, skipped: 0, failed: 0 }, JSON.stringify(report.results));
  }
  assert.deepEqual(
    [
      ...new Set(
        front
          .logins()
          .filter((login) => login.kind !== "oauth2accesstoken")
          .map((login) => login.kind),
      ),
    ],
    ["_json_key", "_json_key_base64"],
  );
});

test("maxRequestsPerSecond holds each host to its rate, hosts apart", async () => {
  const rate = new RequestRate(20);
  const started = Date.now();
  await Promise.all(Array.from({ length: 40 }, () => rate.take("europe-west4-docker.pkg.dev")));
  const took = Date.now() - started;
  assert.ok(took >= 900 && took < 2500, `40 requests at 20/s with bursts of 20 take about a second, took ${took} ms`);
  const other = Date.now();
  await Promise.all(Array.from({ length: 20 }, () => rate.take("harbor.example.com")));
  assert.ok(Date.now() - other < 200, "another host has its own bucket");
  assert.throws(() => new RequestRate(0), /expected a number above zero/);
});

test("a run with maxRequestsPerSecond stays under it", { timeout: 60_000 }, async () => {
  const report = await runSync({ images: { [`${source.host}/team/big:1.0`]: `${source.host}/team/big-copy:1.0` } }, { transport: { maxRequestsPerSecond: 4 } });
  assert.deepEqual(report.counts, { synced: 1, skipped: 0, failed: 0 });
  const perSecond = report.stats.requests / (report.durationMs / 1000);
  assert.ok(
    report.stats.requests >= 6 && perSecond <= 4 * 1.5 + 4 / (report.durationMs / 1000),
    `${report.stats.requests} requests in ${report.durationMs} ms`,
  );
});
