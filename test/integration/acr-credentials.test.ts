import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { ImageSync } from "../../provider/resources/image-sync";
import { runSync, runVerify } from "../../provider/sync";
import { AlicloudStandIn, startAlicloudStandIn } from "../support/alicloud";
import { FaultProxy, startFaultProxy } from "../support/fault-proxy";
import { pushSmallImage } from "../support/fixtures";
import { captureResources, findSecretLeaks, ProviderHost } from "../support/provider-host";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { manifestDigest } from "../support/skopeo";
import { startTokenServer, TokenServer } from "../support/token-server";

/**
 * The `alicloud` credential kind end to end: a RAM key is exchanged for ACR temporary logins
 * (GetAuthorizationToken at the Alibaba stand-in), and a real token-authenticated registry
 * accepts them only while they last, so a copy that outlives one login must renew it.
 */

const KEY = { accessKeyId: "LTAI5tAcrCopierKey01", accessKeySecret: "acr-copier-secret-19d" };
const INSTANCE = "cri-drtest01";
const LOGIN_LIFETIME_MS = 2500;
const TAGS = ["1.0", "1.1", "1.2", "1.3", "1.4", "1.5"];

let alibaba: AlicloudStandIn;
let tokens: TokenServer;
let acr: RegistryServer;
let source: RegistryServer;
let slowSource: FaultProxy;

before(async () => {
  alibaba = await startAlicloudStandIn({ accessKeys: { [KEY.accessKeyId]: { secret: KEY.accessKeySecret } }, acrTokenLifetimeMs: LOGIN_LIFETIME_MS });
  alibaba.addAcrInstance(INSTANCE);
  // Registry tokens last a second, so the copier goes back to the token server with whatever login it holds.
  tokens = await startTokenServer({ users: (user, password) => alibaba.acrLoginValid(user, password), expiresInSeconds: 1 });
  [acr, source] = await Promise.all([startRegistry({ auth: { kind: "token", tokenServer: tokens } }), startRegistry()]);
  for (const tag of TAGS) await pushSmallImage(source, `team/app:${tag}`, undefined, tag);
  // Every source request waits: the run lasts several login lifetimes (a new image costs the
  // source a manifest GET and its blob GETs, the blobs of one image read at once).
  slowSource = await startFaultProxy(source.url, { faults: { slow: 1, slowMs: 500 } });
});
after(async () => Promise.all([slowSource?.stop(), acr?.stop(), source?.stop(), tokens?.stop(), alibaba?.stop()]));

const acrAuth = (extra: Record<string, string> = {}) => ({
  alicloud: { instanceId: INSTANCE, region: "cn-hangzhou", endpoint: alibaba.endpoints.cr, ...extra },
});

test("a copy longer than a temporary login renews it and every image arrives", { timeout: 120_000 }, async () => {
  const started = Date.now();
  const report = await runSync({ auth: { [acr.host]: acrAuth(KEY) }, images: { [`${slowSource.host}/team/app`]: `${acr.host}/dr/app` } }, { proc: 1 });
  const took = Date.now() - started;
  assert.deepEqual(report.counts, { synced: TAGS.length, skipped: 0, failed: 0 }, JSON.stringify(report.results.filter((r) => r.status === "failed")));
  assert.ok(took > LOGIN_LIFETIME_MS * 1.5, `the run (${took} ms) must outlive a login (${LOGIN_LIFETIME_MS} ms) for this test to mean anything`);
  const logins = alibaba.requests().filter((request) => request.action === "GetAuthorizationToken" && request.status === 200);
  assert.ok(logins.length >= 2, `expected the login to be renewed mid-run, saw ${logins.length} GetAuthorizationToken call(s)`);
  assert.ok(
    tokens.requests().every((request) => request.status === 200),
    "the registry's token server never refused a login",
  );
  await assert.rejects(manifestDigest(`${acr.host}/dr/app:1.0`), "anonymous pulls are refused: only the temporary logins got in");
  const verify = await runVerify({ auth: { [acr.host]: acrAuth(KEY) }, images: { [`${source.host}/team/app`]: `${acr.host}/dr/app` } });
  assert.equal(verify.complete, true, JSON.stringify(verify.rows));
  assert.deepEqual(alibaba.violations(), []);
});

test("without a key anywhere the copy fails with what to set, and nothing is pushed", async () => {
  const saved = { ...process.env };
  for (const name of ["ALICLOUD_ACCESS_KEY", "ALICLOUD_SECRET_KEY"]) delete process.env[name];
  try {
    const report = await runSync({ auth: { [acr.host]: acrAuth() }, images: { [`${source.host}/team/app:1.0`]: `${acr.host}/dr/nokey` } });
    assert.equal(report.counts.failed, 1);
    assert.match(report.results[0].error ?? "", /no Alibaba Cloud AccessKey: .*ALICLOUD_ACCESS_KEY/);
  } finally {
    Object.assign(process.env, saved);
  }
});

test("the CLI reads an alicloud auth entry and takes the key from ALICLOUD_* variables", async () => {
  const dir = mkdtempSync(join(tmpdir(), "registry-dr-acr-"));
  const config = join(dir, "acr.json");
  writeFileSync(config, JSON.stringify({ auth: { [acr.host]: acrAuth() }, images: { [`${source.host}/team/app:1.0`]: `${acr.host}/cli/app` } }));
  const env = { ...process.env, CI: "true", ALICLOUD_ACCESS_KEY: KEY.accessKeyId, ALICLOUD_SECRET_KEY: KEY.accessKeySecret };
  const run = (args: string[]) =>
    new Promise<{ code: number; output: string }>((done) => {
      execFile(process.execPath, [resolve(__dirname, "../../../bin/registry-dr.js"), ...args], { cwd: dir, env }, (error, stdout, stderr) =>
        done({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
      );
    });
  const synced = await run(["sync", `--config=${config}`]);
  assert.equal(synced.code, 0, synced.output);
  assert.match(synced.output, /1 synced/);
  const verified = await run(["verify", `--config=${config}`]);
  assert.equal(verified.code, 0, verified.output);
  assert.match(verified.output, /present/);
  assert.doesNotMatch(synced.output + verified.output, new RegExp(KEY.accessKeySecret), "the secret is never printed");
});

test("ImageSync through the provider host logs in to ACR with the key from the alicloud:* stack config", { timeout: 60_000 }, async () => {
  const images = { [`${source.host}/team/app:1.1`]: `${acr.host}/pulumi/app` };
  const [captured] = await captureResources(
    () => new ImageSync("to-acr", { auth: { [acr.host]: { alicloud: { instanceId: INSTANCE, region: "cn-hangzhou" } } }, images }),
  );
  const host = await ProviderHost.start();
  try {
    await host.configure({
      "alicloud:accessKey": KEY.accessKeyId,
      "alicloud:secretKey": KEY.accessKeySecret,
      "alicloud:endpoints": JSON.stringify([{ cr: alibaba.endpoints.cr }]),
    });
    const imageSync = host.resource(captured);
    const created = await imageSync.create(imageSync.inputs());
    assert.deepEqual((created.outputs.summary as { counts: unknown }).counts, { synced: 1, skipped: 0, failed: 0 });
    assert.ok(
      alibaba.requests().some((request) => request.action === "GetAuthorizationToken" && request.accessKeyId === KEY.accessKeyId),
      "the stack config's key signed the login",
    );
    assert.deepEqual(
      findSecretLeaks([KEY.accessKeySecret], {
        providerText: captured.providerText,
        outputs: created.outputs,
        secretOutputs: ["auth"],
        hostOutput: host.output(),
      }),
      [],
    );
  } finally {
    await host.stop();
  }
});
