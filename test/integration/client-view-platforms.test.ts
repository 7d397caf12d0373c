import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { runSync } from "../../provider";
import {
  FailoverRecordInputs,
  checkRecordRules,
  failoverRecordSchema,
  failoverSiteOf,
  readinessJob,
  readinessPlatforms,
  runFailoverPreflight,
} from "../../provider/failover";
import { TestCa, makeTestCa } from "../support/certs";
import { pushImage } from "../support/fixtures";
import { freePort } from "../support/free-port";
import { Platform, buildImage, buildIndex } from "../support/oci-layout";
import { makeTempDir, removeTempDir } from "../support/processes";
import { RegistryServer } from "../support/registry-server";
import { startTlsSite } from "../support/tls-sites";

/**
 * Both preflights of a record whose standby is copied with a platform filter, from the clients'
 * side: through the name, the standby serves the kept platforms' index (what the filtered copy
 * made) and the primary its own whole index; neither is a problem, and the failback finds the
 * standby's copy to be the primary's image.
 */

const NAME = "registry.dr.test";
const USERS = { ci: "ci-pass-52d1e" };
const ADDRESSES = { primary: "127.0.0.2", standby: "127.0.0.3" };
const PLATFORMS: Platform[] = [
  { os: "linux", architecture: "amd64" },
  { os: "linux", architecture: "arm64" },
];

describe("the client view of a standby copied with a platform filter", () => {
  let dir: string;
  let ca: TestCa;
  let port: number;
  let primary: RegistryServer;
  let standby: RegistryServer;

  before(async () => {
    dir = makeTempDir("client-view-platforms-");
    ca = await makeTestCa(dir);
    port = await freePort(ADDRESSES.primary);
    [primary, standby] = await Promise.all(
      [ADDRESSES.primary, ADDRESSES.standby].map((address) => startTlsSite(dir, ca, { address, port, names: [NAME], users: USERS })),
    );
    const index = buildIndex({
      format: "oci",
      images: PLATFORMS.map((platform) =>
        buildImage({ format: "oci", platform, layers: [{ seed: `client-view-platforms/${platform.architecture}`, size: 4096 }] }),
      ),
    });
    await pushImage(primary, "library/app:1.0", index, `ci:${USERS.ci}`);
    const synced = await runSync(readinessJob(record())!, { platforms: readinessPlatforms(record()) });
    assert.equal(synced.counts.failed, 0);
  });
  after(async () => {
    await Promise.all([primary?.stop(), standby?.stop()]);
    if (dir) await removeTempDir(dir);
  });

  function record(): FailoverRecordInputs {
    const login = { username: "ci", password: USERS.ci };
    const inputs = failoverRecordSchema().parse({
      backend: "rfc2136",
      zone: "dr.test",
      name: "registry",
      type: "A",
      rfc2136: { server: "127.0.0.1:53", tsig: { name: "k", algorithm: "hmac-sha256", secret: Buffer.from("0123456789abcdef").toString("base64") } },
      sites: { primary: { value: ADDRESSES.primary, registry: primary.host }, secondary: { value: ADDRESSES.standby, registry: standby.host } },
      active: "secondary",
      readiness: {
        auth: { [primary.host]: login, [standby.host]: login },
        images: { [`${primary.host}/library/app:1.0`]: `${standby.host}/library/app:1.0` },
        arch: ["arm64"],
      },
      clients: { port, caFile: ca.certPath },
    });
    checkRecordRules(inputs);
    return inputs;
  }

  const preflight = (inputs: FailoverRecordInputs, site: "primary" | "secondary") =>
    runFailoverPreflight(failoverSiteOf(inputs, site), readinessJob(inputs), false, {
      platforms: readinessPlatforms(inputs),
      failbackFrom: site === "primary" ? failoverSiteOf(inputs, "secondary") : undefined,
    });

  test("the flip to the standby: clients pull the kept platforms' index through the name", async () => {
    const result = await preflight(record(), "secondary");
    assert.deepEqual(result.problems, []);
    assert.equal(result.counts.present, 1);
  });

  test("the flip back: clients pull the primary's whole index through the name, and the standby's copy is no conflict", async () => {
    const result = await preflight(record(), "primary");
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.failback?.conflicts, []);
    assert.equal(result.failback?.present, 1);
  });
});
