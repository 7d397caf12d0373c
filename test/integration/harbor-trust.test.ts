import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { HarborApiError, HarborClient, withHarbor } from "../../provider/clients/harbor";
import { readCertDir, runSync } from "../../provider/sync";
import { harborTrustProblems, resolveHarborConnection } from "../../provider/resources/harbor/harbor-connection-input";
import { CertificatePair, TestCa, makeLeafCert, makeTestCa } from "../support/certs";
import { pushSmallImage } from "../support/fixtures";
import { HarborStandIn, startHarborStandIn } from "../support/harbor";
import { makeTempDir, removeTempDir } from "../support/processes";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { runCli } from "../support/cli-process";

/**
 * A private Harbor with an internal CA (and one behind an mTLS proxy): its API is reached
 * with the CA and client certificate given with the connection or through --cert-dir, never
 * with `insecure`. Without them the error says what to give.
 */

const PASSWORD = "Harbor12345-trust-test";

describe("Harbor's API with a private CA", () => {
  let dir: string;
  let ca: TestCa;
  let client: CertificatePair;
  let harbor: HarborStandIn;
  let mtls: HarborStandIn;
  let destination: RegistryServer;

  before(async () => {
    dir = makeTempDir("harbor-trust-");
    ca = await makeTestCa(dir, "harbor internal CA");
    client = await makeLeafCert(dir, ca, { commonName: "harbor-client", client: true });
    const certificate = await makeLeafCert(dir, ca, { commonName: "harbor.dr.test", dnsNames: ["harbor.dr.test"], ipAddresses: ["127.0.0.1"] });
    [harbor, mtls, destination] = await Promise.all([
      startHarborStandIn({ adminPassword: PASSWORD, tls: certificate }),
      startHarborStandIn({ adminPassword: PASSWORD, tls: certificate, clientCaPath: ca.certPath }),
      startRegistry(),
    ]);
    assert.match(harbor.url, /^https:\/\//);
  });
  after(async () => {
    await Promise.all([harbor?.stop(), mtls?.stop(), destination?.stop()]);
    if (dir) await removeTempDir(dir);
  });

  const admin = (url: string) => ({ url, username: "admin", password: PASSWORD });

  test("without the CA the call fails and says to give caFile or --cert-dir; the password is never said", async () => {
    await assert.rejects(
      withHarbor(admin(harbor.url), (api) => api.projects.exists("library"), { retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 } }),
      (error: Error) =>
        error instanceof HarborApiError &&
        /TLS certificate not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\).*"caFile" \(a PEM file\) or "ca" \(PEM text\), or --cert-dir DIR with DIR\/<host\[:port\]>\/ca\.crt/.test(
          error.message,
        ) &&
        !error.message.includes(PASSWORD),
    );
  });

  test("with the CA (PEM text, or caFile through the resources' connection input) the API answers, verification on", async () => {
    assert.equal(await withHarbor({ ...admin(harbor.url), trust: { ca: [ca.pem] } }, (api) => api.projects.exists("library")), true);
    const connection = resolveHarborConnection({ ...admin(harbor.url), caFile: ca.certPath });
    assert.equal(connection.insecure, undefined);
    assert.equal(await withHarbor(connection, (api) => api.projects.exists("library")), true);
    assert.deepEqual(harbor.violations(), []);
  });

  test("--cert-dir's layout: DIR/<host:port>/ca.crt is Harbor's CA too", async () => {
    const root = join(dir, "certs.d");
    mkdirSync(join(root, harbor.host), { recursive: true });
    copyFileSync(ca.certPath, join(root, harbor.host, "ca.crt"));
    assert.equal(await withHarbor(admin(harbor.url), (api) => api.projects.exists("library"), { routes: readCertDir(root) }), true);
  });

  test("behind an mTLS proxy: without a client certificate the error names certFile and keyFile; with one it answers", async () => {
    const refused = new HarborClient({ ...admin(mtls.url), trust: { ca: [ca.pem] } }, { retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 } });
    try {
      await assert.rejects(refused.projects.exists("library"), /client certificate.*"certFile" and "keyFile".*client\.cert and client\.key/);
    } finally {
      await refused.close();
    }
    const connection = resolveHarborConnection({ ...admin(mtls.url), caFile: ca.certPath, certFile: client.certPath, keyFile: client.keyPath });
    assert.equal(await withHarbor(connection, (api) => api.projects.exists("library")), true);
  });

  test("bad trust files are named by field, before any request; key text is never quoted", () => {
    const garbled = join(dir, "garbled.pem");
    writeFileSync(garbled, "not a certificate\n");
    const keyBody = "c2VjcmV0LWtleS1tYXRlcmlhbC1uZXZlci1xdW90ZWQ";
    const badKey = join(dir, "bad.key");
    writeFileSync(badKey, `-----BEGIN PRIVATE KEY-----\n${keyBody}\n-----END PRIVATE KEY-----\n`);
    const problems = (fields: Record<string, string>) => harborTrustProblems({ ...admin(harbor.url), ...fields });
    assert.deepEqual(problems({ caFile: join(dir, "nowhere.pem") }), [
      { property: "harbor.caFile", reason: `cannot read ${JSON.stringify(join(dir, "nowhere.pem"))} (ENOENT): expected a PEM file` },
    ]);
    assert.match(problems({ caFile: garbled })[0].reason, /garbled\.pem": expected PEM certificates/);
    assert.equal(problems({ caFile: garbled })[0].property, "harbor.caFile");
    const key = problems({ certFile: client.certPath, keyFile: badKey });
    assert.equal(key[0].property, "harbor.keyFile");
    assert.match(key[0].reason, /the PEM private key does not parse.*not shown/);
    const inline = problems({ cert: readFileSync(client.certPath, "utf8"), key: `-----BEGIN PRIVATE KEY-----\n${keyBody}\n-----END PRIVATE KEY-----\n` });
    assert.equal(inline[0].property, "harbor.key");
    assert.ok(!JSON.stringify([key, inline]).includes(keyBody), "key text is never quoted");
    assert.throws(
      () => resolveHarborConnection({ ...admin(harbor.url), keyFile: client.keyPath }),
      /harbor\.certFile: a client certificate needs its certificate and its key together/,
    );
  });

  test("a whole project from a Harbor that refuses its catalog: the API listing takes the auth entry's CA and --cert-dir", async () => {
    for (const [index, ref] of ["library/a:1.0", "library/team/b:1.0"].entries()) await pushSmallImage(harbor.registry, ref, undefined, `t${index}`);
    const robot = await withHarbor({ ...admin(harbor.url), trust: { ca: [ca.pem] } }, (api) =>
      api.robots.create({
        name: "trust-copier",
        level: "project",
        duration: -1,
        permissions: [{ kind: "project", namespace: "library", access: [{ resource: "repository", action: "pull", effect: "allow" }] }],
      }),
    );
    const login = { username: robot.name, password: robot.secret, insecure: false };
    const images = { [`${harbor.host}/library/**`]: `${destination.host}/from-harbor` };
    const withCa = await runSync({ auth: { [harbor.host]: { ...login, caFile: ca.certPath } }, images });
    assert.equal(withCa.counts.failed, 0, JSON.stringify(withCa.results));
    assert.deepEqual(withCa.results.map((result) => result.destination).sort(), [
      `${destination.host}/from-harbor/a:1.0`,
      `${destination.host}/from-harbor/team/b:1.0`,
    ]);
    assert.ok(harbor.requests().some((request) => request.operationId === "listRepositories"));

    const root = join(dir, "cli-certs.d");
    mkdirSync(join(root, harbor.host), { recursive: true });
    copyFileSync(ca.certPath, join(root, harbor.host, "ca.crt"));
    const config = join(dir, "harbor-sync.json");
    writeFileSync(config, JSON.stringify({ auth: { [harbor.host]: login }, images }));
    const viaCertDir = await cli(["sync", "--config", config, "--cert-dir", root]);
    assert.equal(viaCertDir.code, 0, viaCertDir.stderr + viaCertDir.stdout);
    const without = await cli(["sync", "--config", config]);
    assert.notEqual(without.code, 0);
    assert.match(without.stdout + without.stderr, /caFile/);
    assert.ok(!(without.stdout + without.stderr).includes(robot.secret));
    assert.deepEqual(harbor.violations(), []);
  });

  const cli = (args: string[]) => runCli(args, { cwd: dir });
});
