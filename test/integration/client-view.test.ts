import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  ClientView,
  FailoverRecordInputs,
  checkRecordRules,
  failoverRecordSchema,
  failoverSiteOf,
  pullAsClient,
  readinessJob,
  runFailoverPreflight,
} from "../../provider/failover";
import { TestCa, makeTestCa } from "../support/certs";
import { pushSmallImage } from "../support/fixtures";
import { freePort } from "../support/free-port";
import { makeTempDir, removeTempDir } from "../support/processes";
import { RegistryServer } from "../support/registry-server";
import { startTlsSite } from "../support/tls-sites";

/**
 * The preflight from the clients' side: registries serve TLS with a test CA on separate
 * loopback addresses and one port, so, as after a DNS flip, only the address decides who
 * answers the failover name. Each standby is wrong in one way a client would notice.
 */

const NAME = "registry.dr.test";
const USERS = { ci: "ci-pass-7f3a9" };
const ADDRESSES = { primary: "127.0.0.2", good: "127.0.0.3", wrongCert: "127.0.0.4", renamed: "127.0.0.5", otherUsers: "127.0.0.6" };

describe("the client view of a failover", () => {
  let dir: string;
  let ca: TestCa;
  let port: number;
  const sites: Partial<Record<keyof typeof ADDRESSES, RegistryServer>> = {};
  let digest: string;

  before(async () => {
    dir = makeTempDir("client-view-");
    ca = await makeTestCa(dir);
    port = await freePort(ADDRESSES.primary);
    const start = (key: keyof typeof ADDRESSES, names: string[], users: Record<string, string> = USERS) =>
      startTlsSite(dir, ca, { address: ADDRESSES[key], port, names, users }).then((site) => (sites[key] = site));
    await Promise.all([
      start("primary", [NAME, "primary.dr.test"]),
      start("good", [NAME, "standby.dr.test"]),
      start("wrongCert", ["standby-b.dr.test", "*.standby.dr.test"]),
      start("renamed", [NAME]),
      start("otherUsers", [NAME], { ops: "ops-pass-9c1e" }),
    ]);
    const creds = `ci:${USERS.ci}`;
    digest = (await pushSmallImage(sites.primary!, "library/app:1.0", creds)).digest;
    await Promise.all([
      pushSmallImage(sites.good!, "library/app:1.0", creds),
      pushSmallImage(sites.wrongCert!, "library/app:1.0", creds),
      pushSmallImage(sites.renamed!, "dr/app:1.0", creds),
      pushSmallImage(sites.otherUsers!, "library/app:1.0", "ops:ops-pass-9c1e"),
    ]);
  });
  after(async () => {
    await Promise.all(Object.values(sites).map((site) => site?.stop()));
    if (dir) await removeTempDir(dir);
  });

  /** A record flipping the name to `standby`, with the clients' CA and credential. */
  function record(standby: keyof typeof ADDRESSES, clients: Record<string, unknown> = {}, checked = true): FailoverRecordInputs {
    const target = sites[standby]!.host;
    const path = standby === "renamed" ? "dr/app" : "library/app";
    const inputs = failoverRecordSchema().parse({
      backend: "rfc2136",
      zone: "dr.test",
      name: "registry",
      type: "A",
      rfc2136: { server: "127.0.0.1:53", tsig: { name: "k", algorithm: "hmac-sha256", secret: Buffer.from("0123456789abcdef").toString("base64") } },
      sites: { primary: { value: ADDRESSES.primary, registry: sites.primary!.host }, secondary: { value: ADDRESSES[standby], registry: target } },
      active: "secondary",
      readiness: {
        auth: {
          [sites.primary!.host]: { username: "ci", password: USERS.ci },
          [target]: standby === "otherUsers" ? { username: "ops", password: "ops-pass-9c1e" } : { username: "ci", password: USERS.ci },
        },
        images: { [`${sites.primary!.host}/library/app:1.0`]: `${target}/${path}:1.0` },
      },
      clients: { port, caFile: ca.certPath, ...clients },
    });
    if (checked) checkRecordRules(inputs);
    return inputs;
  }

  const preflight = (inputs: FailoverRecordInputs) => runFailoverPreflight(failoverSiteOf(inputs, "secondary"), readinessJob(inputs), false);

  test("a standby serving the name with a certificate for it, the primary's paths and the clients' credential is ready", async () => {
    const result = await preflight(record("good"));
    assert.deepEqual(result.problems, []);
    assert.equal(result.clients, `${NAME}:${port}`);
  });

  test("a certificate that does not cover the name is refused, naming the names it covers", async () => {
    const result = await preflight(record("wrongCert"));
    assert.equal(result.problems.length, 1, result.problems.join("\n"));
    assert.match(
      result.problems[0],
      new RegExp(
        `clients at ${NAME.replace(/\./g, "\\.")}:${port} \\(reaching 127\\.0\\.0\\.4\\): .*TLS certificate not valid for ${NAME.replace(/\./g, "\\.")} \\(it covers DNS:standby-b\\.dr\\.test, DNS:\\*\\.standby\\.dr\\.test\\)`,
      ),
    );
  });

  test("a standby holding the image under another path is refused: clients would get 404", async () => {
    // The record's check refuses such a mapping before anything runs...
    assert.throws(() => record("renamed"), /holds library\/app as dr\/app: after a DNS flip to it, clients asking for library\/app would get 404/);
    // ...and a record that never met that check (state written before it) still meets the client view at the flip.
    const result = await preflight(record("renamed", {}, false));
    assert.deepEqual(result.problems, [
      `clients at ${NAME}:${port} (reaching ${ADDRESSES.renamed}): library/app:1.0: the site holds it as dr/app:1.0: clients would get 404 (the standby must keep the primary's repository paths)`,
    ]);
  });

  test("a standby refusing the clients' credential is refused, and the password is never said", async () => {
    const result = await preflight(record("otherUsers"));
    assert.equal(result.problems.length, 1, result.problems.join("\n"));
    assert.match(result.problems[0], /the clients' credential is refused: .*authentication failed \(HTTP 401/);
    assert.doesNotMatch(JSON.stringify(result), new RegExp(USERS.ci));
  });

  test("a client credential of its own is the one used", async () => {
    const result = await preflight(record("otherUsers", { credential: { username: "ops", password: "ops-pass-9c1e" } }));
    assert.deepEqual(result.problems, []);
    const refused = await preflight(record("good", { credential: { username: "ci", password: "not-the-password" } }));
    assert.match(refused.problems.join("\n"), /the clients' credential is refused/);
  });

  test("without the clients' CA, the certificate's issuer is unknown, and the advice is the CA, not insecure", async () => {
    const inputs = record("good", { caFile: undefined });
    const result = await preflight(inputs);
    assert.equal(result.problems.length, 1, result.problems.join("\n"));
    assert.match(result.problems[0], /TLS certificate not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\).*give this registry's CA as "caFile"/);
    const withPem = await preflight(record("good", { caFile: undefined, ca: ca.pem }));
    assert.deepEqual(withPem.problems, []);
  });

  test("a client pulls through the name from a chosen address with the primary's digest (the library call a drill uses)", async () => {
    const view: ClientView = {
      name: NAME,
      port,
      trust: { ca: [ca.pem] },
      insecure: false,
      credential: { username: "ci", password: USERS.ci },
      primaryRegistry: sites.primary!.host,
    };
    for (const address of [ADDRESSES.primary, ADDRESSES.good]) {
      const pulled = await pullAsClient(view, address, "library/app", "1.0");
      assert.equal(pulled.digest, digest);
    }
    await assert.rejects(pullAsClient(view, ADDRESSES.wrongCert, "library/app", "1.0"), /not valid for registry\.dr\.test/);
  });

  test("where the zone is not a DNS name, check() takes the record and the client name comes from the zone's DNS name", async () => {
    const inputs = {
      ...record("good"),
      backend: "privatezone",
      zone: "zone-id-1",
      alicloud: undefined,
      rfc2136: undefined,
      type: "A",
    } as unknown as FailoverRecordInputs;
    assert.doesNotThrow(() => checkRecordRules(inputs));
    assert.throws(
      () => failoverSiteOf(inputs, "secondary"),
      /clients\.name: expected the name clients pull through.*privatezone record's zone is not a DNS name/,
    );
    // The zone's DNS name as PrivateZone gives it (clientZoneName): the standby serves the name it makes.
    const result = await runFailoverPreflight(failoverSiteOf({ ...inputs, name: "registry" }, "secondary", "DR.test."), readinessJob(inputs), false);
    assert.deepEqual(result.problems, []);
    assert.equal(result.clients, `${NAME}:${port}`);
  });
});
