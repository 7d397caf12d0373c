import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { CertificatePair, TestCa, makeLeafCert, makeTestCa } from "../support/certs";
import { DnsTestServer, startDnsServer } from "../support/dns-servers";
import { pushSmallImage } from "../support/fixtures";
import { freePort } from "../support/free-port";
import { makeTempDir, removeTempDir } from "../support/processes";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { FailoverSites, startFailoverSites, startTlsSite } from "../support/tls-sites";
import { runCli } from "../support/cli-process";

/**
 * A relative `caFile`, `certFile` or `keyFile` in a config file is read beside that file, as
 * docker's and skopeo's users expect of a config, wherever the command runs from. Every
 * command here runs in a folder of its own, away from the config.
 */

const ADDRESS = "127.0.0.9";
const USERS = { ci: "ci-pass-relative-7f3a" };

describe("relative trust files are beside the config file", () => {
  let dir: string;
  let elsewhere: string;
  let ca: TestCa;
  let client: CertificatePair;
  let source: RegistryServer;
  let mtls: RegistryServer;
  let dns: DnsTestServer;
  let sites: FailoverSites;

  before(async () => {
    dir = makeTempDir("relative-trust-");
    elsewhere = join(dir, "elsewhere");
    mkdirSync(elsewhere);
    ca = await makeTestCa(dir, "relative files CA");
    client = await makeLeafCert(dir, ca, { commonName: "relative-client", client: true });
    dns = await startDnsServer("bind", { records: ["registry 60 IN A 127.0.0.2"] });
    [source, mtls, sites] = await Promise.all([
      startRegistry(),
      startTlsSite(dir, ca, {
        address: ADDRESS,
        port: await freePort(ADDRESS),
        names: ["relative.dr.test"],
        ips: [ADDRESS],
        clientCa: ca.certPath,
        probeClient: client,
      }),
      startFailoverSites(dir, `registry.${dns.zone}`, USERS),
    ]);
    await pushSmallImage(source, "team/app:1.0");
  });
  after(async () => {
    await Promise.all([source?.stop(), mtls?.stop(), dns?.stop(), sites?.stop()]);
    if (dir) await removeTempDir(dir);
  });

  /** A folder holding `certs/ca.crt`, `certs/client.cert` and `certs/client.key`, for files that name them relatively. */
  function configFolder(name: string, certificates: { ca: string; cert?: string; key?: string }): string {
    const folder = join(dir, name);
    mkdirSync(join(folder, "certs"), { recursive: true });
    copyFileSync(certificates.ca, join(folder, "certs", "ca.crt"));
    if (certificates.cert) copyFileSync(certificates.cert, join(folder, "certs", "client.cert"));
    if (certificates.key) copyFileSync(certificates.key, join(folder, "certs", "client.key"));
    return folder;
  }

  const trustEntry = { insecure: false, caFile: "certs/ca.crt", certFile: "certs/client.cert", keyFile: "certs/client.key" };
  const images = () => ({ [`${source.host}/team/app:1.0`]: `${mtls.host}/team/app` });

  test("sync --config: caFile, certFile and keyFile are read beside the config file", async () => {
    const folder = configFolder("sync-config", { ca: ca.certPath, cert: client.certPath, key: client.keyPath });
    writeFileSync(join(folder, "config.json"), JSON.stringify({ auth: { [mtls.host]: trustEntry }, images: images() }));
    const copied = await run(["sync", "--config", join(folder, "config.json")]);
    assert.equal(copied.code, 0, copied.stderr + copied.stdout);
    const verified = await run(["verify", "--config", "../sync-config/config.json"]);
    assert.equal(verified.code, 0, verified.stderr + verified.stdout);
  });

  test("--auth and --images in different folders: the auth file's paths are beside the auth file", async () => {
    const folder = configFolder("auth-only", { ca: ca.certPath, cert: client.certPath, key: client.keyPath });
    writeFileSync(
      join(folder, "auth.yaml"),
      `"${mtls.host}": { insecure: false, caFile: certs/ca.crt, certFile: certs/client.cert, keyFile: certs/client.key }\n`,
    );
    writeFileSync(join(dir, "images.json"), JSON.stringify(images()));
    const verified = await run(["verify", "--auth", join(folder, "auth.yaml"), "--images", join(dir, "images.json")]);
    assert.equal(verified.code, 0, verified.stderr + verified.stdout);
  });

  test("a missing relative file is named with the path it was looked for at, beside the config", async () => {
    const folder = join(dir, "no-certs");
    mkdirSync(folder);
    writeFileSync(join(folder, "config.json"), JSON.stringify({ auth: { [mtls.host]: trustEntry }, images: images() }));
    const refused = await run(["verify", "--config", join(folder, "config.json")]);
    assert.equal(refused.code, 2, refused.stderr + refused.stdout);
    assert.match(refused.stderr, new RegExp(`caFile: cannot read "${join(folder, "certs", "ca.crt").replace(/[.]/g, "\\.")}" \\(ENOENT\\)`));
  });

  test("failover status --record: the sites' and the clients' caFile are beside the record file", async () => {
    const folder = configFolder("record", { ca: sites.ca.certPath });
    const file = join(folder, "record.yaml");
    writeFileSync(
      file,
      [
        "backend: rfc2136",
        `zone: ${dns.zone}`,
        "name: registry",
        "type: A",
        `rfc2136: { server: "${dns.address}", tsig: { name: ${dns.key.name}, algorithm: ${dns.key.algorithm}, secret: "\${TSIG_SECRET}" } }`,
        "sites:",
        `  primary: { value: ${sites.addresses.primary}, registry: "${sites.primary.host}", caFile: certs/ca.crt }`,
        `  secondary: { value: ${sites.addresses.good}, registry: "${sites.good.host}", caFile: certs/ca.crt }`,
        "readiness:",
        `  auth: { "${sites.primary.host}": { username: ci, password: "\${CI_PASSWORD}", caFile: certs/ca.crt }, "${sites.good.host}": { username: ci, password: "\${CI_PASSWORD}", caFile: certs/ca.crt } }`,
        `  images: { "${sites.primary.host}/library/app:1.0": "${sites.good.host}/library/app:1.0" }`,
        `clients: { port: ${sites.port}, caFile: certs/ca.crt, credential: { username: ci, password: "\${CI_PASSWORD}" } }`,
        "",
      ].join("\n"),
    );
    const status = await run(["failover", "status", "--record", file]);
    assert.equal(status.code, 0, status.stderr + status.stdout);
    assert.match(status.stdout, /primary .*: ready/);
    assert.match(status.stdout, /secondary .*: ready/);
    assert.deepEqual(await dns.dig(`registry.${dns.zone}`, "A"), [sites.addresses.primary]);
  });

  const run = (args: string[]) => runCli(args, { cwd: elsewhere, env: { TSIG_SECRET: dns.key.secret, CI_PASSWORD: USERS.ci } });
});
