import * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ImageSync } from "../../provider/resources";
import { startFaultProxy, FaultProxy } from "../support/fault-proxy";
import { pushSmallImage } from "../support/fixtures";
import { ArtifactRegistryFront, GoogleStandIn, startArtifactRegistryFront, startGoogleStandIn, StandInServiceAccount } from "../support/google";
import { captureResources, findSecretLeaks, isSecretValue, ProviderHost, ResourceDriver } from "../support/provider-host";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { manifestDigest } from "../support/skopeo";

/**
 * ImageSync with a `google` auth entry through the real provider host, into an Artifact
 * Registry-like front (a real docker-registry behind AR's login: oauth2accesstoken and a token
 * the Google stand-in minted). Access tokens last two seconds here and the source answers
 * slowly, so the copy outlives several of them and must renew them as it goes.
 */

const REPOSITORIES = ["app", "api", "web", "worker", "cron"];
const TOKEN_LIFETIME_S = 2;

let google: GoogleStandIn;
let account: StandInServiceAccount;
let front: ArtifactRegistryFront;
let source: RegistryServer;
let slowSource: FaultProxy;
let host: ProviderHost;
let driver: ResourceDriver;
let outputs: Record<string, unknown>;

const destination = (repository: string) => `${front.host}/dr-project/dr-images/${repository}`;

before(async () => {
  google = await startGoogleStandIn();
  account = google.addServiceAccount("dr-images-dr-sync@dr-project.iam.gserviceaccount.com", "dr-project");
  [front, source] = await Promise.all([startArtifactRegistryFront(google.tokens, () => [account]), startRegistry()]);
  for (const repository of REPOSITORIES) await pushSmallImage(source, `team/${repository}:1.0`, undefined, repository);
  slowSource = await startFaultProxy(source.url, { faults: { slow: 1, slowMs: 400 } });
  const [captured] = await captureResources(
    () =>
      new ImageSync("to-artifact-registry", {
        auth: { [`${front.host}/dr-project/dr-images`]: { google: { serviceAccountKey: pulumi.secret(account.keyJson) } } },
        images: Object.fromEntries(REPOSITORIES.map((repository) => [`${slowSource.host}/team/${repository}`, destination(repository)])),
        proc: 1,
      }),
  );
  host = await ProviderHost.start();
  await host.configure({});
  driver = host.resource(captured);
});

after(async () => {
  assert.deepEqual(google?.violations(), []);
  await Promise.all([host?.stop(), slowSource?.stop(), front?.stop(), source?.stop(), google?.stop()]);
});

test("a bad key is a check failure naming the missing field, without quoting the key", async () => {
  assert.ok(isSecretValue(driver.captured.inputs.auth), "auth (with the key) is a secret input");
  const { client_email: _dropped, ...keyWithoutEmail } = JSON.parse(account.keyJson);
  const { failures } = await driver.check(driver.inputs({ auth: { [front.host]: { google: { serviceAccountKey: JSON.stringify(keyWithoutEmail) } } } }));
  const failure = failures.find((candidate) => candidate.property.endsWith("google.serviceAccountKey.client_email"));
  assert.ok(failure, JSON.stringify(failures));
  assert.match(failure.reason, /expected the service account's e-mail address \(client_email\)/);
  assert.ok(!JSON.stringify(failures).includes("PRIVATE KEY"));
  const { failures: both } = await driver.check(
    driver.inputs({ auth: { [front.host]: { google: { serviceAccountKey: account.keyJson }, username: "_json_key", password: account.keyJson } } }),
  );
  assert.match(JSON.stringify(both), /give one of username\/password, identityToken, token, alicloud or google, not several/);
  assert.deepEqual((await driver.check(driver.inputs())).failures, []);
});

test("the copy logs in as oauth2accesstoken, renews the access token as it lapses, and every digest arrives", { timeout: 180_000 }, async () => {
  google.setTokenLifetime(TOKEN_LIFETIME_S);
  const started = Date.now();
  try {
    ({ outputs } = await driver.create(driver.inputs()));
  } finally {
    google.setTokenLifetime(3600);
  }
  const took = Date.now() - started;
  assert.ok(took > TOKEN_LIFETIME_S * 1000 * 1.5, `the run (${took} ms) must outlive an access token (${TOKEN_LIFETIME_S} s) for this test to mean anything`);
  const minted = google.requests().filter((request) => request.path === "/token" && request.status === 200).length;
  assert.ok(minted >= 2, `expected the access token to be renewed mid-run, saw ${minted} minted`);
  assert.deepEqual(front.refusals(), [], "the front never refused a login or an upload");
  const logins = front.logins();
  assert.ok(
    logins.length >= REPOSITORIES.length && logins.every((login) => login.kind === "oauth2accesstoken" && login.email === account.email),
    JSON.stringify(logins),
  );
  for (const repository of REPOSITORIES) {
    assert.equal(
      await manifestDigest(`docker://${front.backend.host}/dr-project/dr-images/${repository}:1.0`),
      await manifestDigest(`docker://${source.host}/team/${repository}:1.0`),
      repository,
    );
  }
});

test("the key never reaches the serialized provider, plain outputs or the host's output", () => {
  const keyLines = (JSON.parse(account.keyJson).private_key as string).split("\n").filter((line) => line.length > 40);
  assert.deepEqual(
    findSecretLeaks([account.keyJson, ...keyLines], {
      providerText: driver.captured.providerText,
      outputs,
      secretOutputs: ["auth"],
      hostOutput: host.output(),
    }),
    [],
  );
});
