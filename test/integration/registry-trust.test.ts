import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ConfigError, readCertDir, runSync, runVerify } from "../../provider";
import { CertificatePair, TestCa, makeLeafCert, makeTestCa } from "../support/certs";
import { pushSmallImage } from "../support/fixtures";
import { freePort } from "../support/free-port";
import { makeTempDir, removeTempDir } from "../support/processes";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { startTlsSite } from "../support/tls-sites";
import { runCli } from "../support/cli-process";

/**
 * A private registry with an internal CA, and one that requires client certificates (mTLS):
 * reached with the CA and the client certificate, never with `insecure`. `insecure: false`
 * is set throughout, as loopback registries are otherwise insecure by default.
 */

const ADDRESS = "127.0.0.7";

describe("trust without insecure", () => {
  let dir: string;
  let ca: TestCa;
  let client: CertificatePair;
  let source: RegistryServer;
  let mtls: RegistryServer;
  let digest: string;

  before(async () => {
    dir = makeTempDir("registry-trust-");
    ca = await makeTestCa(dir);
    client = await makeLeafCert(dir, ca, { commonName: "ci-runner", client: true });
    [source, mtls] = await Promise.all([
      startRegistry(),
      startTlsSite(dir, ca, {
        address: ADDRESS,
        port: await freePort(ADDRESS),
        names: ["private.dr.test"],
        ips: [ADDRESS],
        clientCa: ca.certPath,
        probeClient: client,
      }),
    ]);
    digest = (await pushSmallImage(source, "team/app:1.0")).digest;
  });
  after(async () => {
    await Promise.all([source?.stop(), mtls?.stop()]);
    if (dir) await removeTempDir(dir);
  });

  const images = () => ({ [`${source.host}/team/app:1.0`]: `${mtls.host}/team/app` });

  test("without the CA, the copy fails and says to give caFile or --cert-dir", async () => {
    const report = await runSync({ auth: { [mtls.host]: { insecure: false } }, images: images() });
    assert.equal(report.counts.failed, 1);
    assert.match(
      report.results[0].error!,
      /TLS certificate not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\).*"caFile".*--cert-dir DIR with DIR\/<host\[:port\]>\/ca\.crt/,
    );
  });

  test("with the CA but no client certificate, the error names the client certificate", async () => {
    const report = await runSync({ auth: { [mtls.host]: { insecure: false, caFile: ca.certPath } }, images: images() });
    assert.equal(report.counts.failed, 1);
    assert.match(report.results[0].error!, /client certificate.*"certFile" and "keyFile".*client\.cert and client\.key/);
  });

  test("caFile with certFile and keyFile copy to an mTLS registry; PEM text does the same, and the key is never said", async () => {
    const files = await runSync({
      auth: { [mtls.host]: { insecure: false, caFile: ca.certPath, certFile: client.certPath, keyFile: client.keyPath } },
      images: images(),
    });
    assert.equal(files.counts.failed, 0, files.results.map((result) => result.error).join("\n"));
    const key = readFileSync(client.keyPath, "utf8");
    const auth = { [mtls.host]: { insecure: false, ca: ca.pem, cert: readFileSync(client.certPath, "utf8"), key } };
    const verified = await runVerify({ auth, images: images() });
    assert.equal(verified.complete, true);
    assert.equal(verified.rows[0].destinationDigest, digest);
    const body = key.split("\n")[1];
    assert.ok(!JSON.stringify(verified).includes(body));
  });

  function certDir(withKey = true): string {
    const root = join(makeTempDir("cert-dir-"), "certs.d");
    const hostDir = join(root, mtls.host);
    mkdirSync(hostDir, { recursive: true });
    copyFileSync(ca.certPath, join(hostDir, "ca.crt"));
    copyFileSync(client.certPath, join(hostDir, "client.cert"));
    if (withKey) copyFileSync(client.keyPath, join(hostDir, "client.key"));
    return root;
  }

  test("--cert-dir in docker's certs.d layout: the library's routes, and the command line's flag", async () => {
    const routes = readCertDir(certDir());
    const report = await runVerify({ auth: { [mtls.host]: { insecure: false } }, images: images() }, { transport: { routes } });
    assert.equal(report.complete, true, JSON.stringify(report.rows));
    const config = join(dir, "config.json");
    writeFileSync(config, JSON.stringify({ auth: { [mtls.host]: { insecure: false } }, images: images() }));
    const run = await cli(["verify", "--config", config, "--cert-dir", certDir()]);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    const without = await cli(["verify", "--config", config]);
    assert.equal(without.code, 1);
    assert.match(without.stdout + without.stderr, /caFile/);
  });

  test("missing, garbled and half-given files are clear errors naming the field, before any request", () => {
    const garbled = join(dir, "garbled.pem");
    writeFileSync(garbled, "not a certificate\n");
    const job = (entry: Record<string, string>) => runSync({ auth: { [mtls.host]: entry }, images: images() });
    return Promise.all([
      assert.rejects(
        job({ caFile: join(dir, "nowhere.pem") }),
        (error: Error) => error instanceof ConfigError && /\.caFile: cannot read ".*nowhere\.pem" \(ENOENT\): expected a PEM file/.test(error.message),
      ),
      assert.rejects(job({ caFile: garbled }), /\.caFile: ".*garbled\.pem": expected PEM certificates/),
      assert.rejects(
        job({ keyFile: client.keyPath }),
        /\.certFile: a client certificate needs its certificate and its key together: certFile \(or cert\) is missing/,
      ),
      assert.rejects(
        job({ certFile: client.certPath, key: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n" }),
        /\.key: the PEM private key does not parse.*not shown/,
      ),
      assert.rejects(job({ caFile: ca.certPath, ca: ca.pem }), /\.ca: give caFile \(a path\) or ca \(PEM text\), not both/),
    ]).then(() => {
      assert.throws(
        () => readCertDir(certDir(false)),
        /--cert-dir: .*certs\.d\/127\.0\.0\.7:\d+: client\.cert and client\.key go together: client\.key is missing/,
      );
      assert.throws(() => readCertDir(join(dir, "no-such-dir")), /--cert-dir: cannot read .*expected a directory with one folder per registry host\[:port\]/);
    });
  });

  const cli = (args: string[]) => runCli(args, { cwd: dir });
});
