import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { AlicloudClient, PrivateZoneRecords, rememberAlicloudConfig } from "../../provider/clients/alicloud";
import { failoverRecordProvider } from "../../provider/resources/dns";
import { AlicloudStandIn, startAlicloudStandIn } from "../support/alicloud";
import { GoogleStandIn, startGoogleStandIn } from "../support/google";
import { RegistryServer, startRegistry } from "../support/registry-server";

/**
 * A CNAME value written as users write it (an absolute name with its final dot, any case) through
 * FailoverRecord, against PrivateZone and Cloud DNS stand-ins that hand the value back in their own
 * spelling: the flip is done and said so, and a refresh finds no drift.
 */

const KEY = { accessKey: "LTAI5tSpellingTest01", secretKey: "spelling-secret-4f1c9a" };
const PRIMARY = "Harbor-Origin.Example.com.";
const SECONDARY = "DR-Instance-Registry.CN-Hangzhou.cr.aliyuncs.com.";

let alibaba: AlicloudStandIn;
let google: GoogleStandIn;
let registry: RegistryServer;

before(async () => {
  [alibaba, google, registry] = await Promise.all([
    startAlicloudStandIn({ accessKeys: { [KEY.accessKey]: { secret: KEY.secretKey } } }),
    startGoogleStandIn(),
    startRegistry(),
  ]);
  rememberAlicloudConfig({ get: (key) => (key === "alicloud:endpoints" ? JSON.stringify([alibaba.endpoints]) : undefined) });
});
after(async () => {
  assert.deepEqual(google?.violations(), []);
  await Promise.all([alibaba?.stop(), google?.stop(), registry?.stop()]);
});

type Inputs = Record<string, unknown> & { active: string };

/** Create on the primary, flip to the secondary, and refresh after each: what FailoverRecord does under `pulumi up` and `pulumi refresh`. */
async function flipAndRefresh(inputs: Inputs, stored: () => Promise<string | undefined>) {
  const lines: string[] = [];
  const log = console.log;
  console.log = (line: string) => lines.push(String(line));
  try {
    const created = await failoverRecordProvider.create!(inputs);
    assert.equal((await stored()) ?? "", "harbor-origin.example.com", "the backend keeps its own spelling");
    const refreshed = await failoverRecordProvider.read!(created.id, created.outs);
    assert.equal(refreshed.props.activeTarget, created.outs.activeTarget, "a refresh keeps the value as written");
    assert.equal((await failoverRecordProvider.diff!(created.id, refreshed.props, inputs)).changes, false, "no drift");

    const secondary = { ...inputs, active: "secondary" };
    const flipped = await failoverRecordProvider.update!(created.id, refreshed.props, secondary);
    assert.equal(await stored(), "dr-instance-registry.cn-hangzhou.cr.aliyuncs.com");
    assert.ok(flipped.outs.switchedAt, "the flip is recorded as done");
    assert.ok(
      lines.some((line) => /switched CNAME record "registry" .* -> DR-Instance-Registry\.CN-Hangzhou\.cr\.aliyuncs\.com\.? \(secondary\)/.test(line)),
      lines.join("\n"),
    );
    const again = await failoverRecordProvider.read!(created.id, { ...secondary, ...flipped.outs });
    assert.equal((await failoverRecordProvider.diff!(created.id, again.props, secondary)).changes, false, "no drift after the flip");
    assert.ok(!lines.some((line) => /changed outside Pulumi/.test(line)), lines.join("\n"));
    // Running the same switch again finds it done and writes nothing.
    await failoverRecordProvider.update!(created.id, again.props, secondary);
  } finally {
    console.log = log;
  }
}

const sites = () => ({
  primary: { value: PRIMARY, registry: registry.host },
  secondary: { value: SECONDARY, registry: `http://${registry.host}` },
});

describe("a CNAME value spelled as an absolute name, in mixed case", () => {
  test("PrivateZone: written, flipped and refreshed with no error and no drift", async () => {
    const operator = new AlicloudClient({ accessKey: { accessKeyId: KEY.accessKey, accessKeySecret: KEY.secretKey }, endpoints: alibaba.endpoints });
    try {
      const zoneId = (await operator.call<{ ZoneId: string }>("pvtz", "AddZone", { ZoneName: "example.com" })).ZoneId;
      const inputs = {
        backend: "privatezone",
        zone: zoneId,
        name: "registry",
        type: "CNAME",
        ttl: 60,
        sites: sites(),
        active: "primary",
        alicloud: KEY,
        clients: false,
      };
      await flipAndRefresh(inputs, async () => (await new PrivateZoneRecords(operator, zoneId).find("registry"))[0]?.value);
    } finally {
      await operator.close();
    }
  });

  test("Cloud DNS: written, flipped and refreshed with no error and no drift", async () => {
    const account = google.addServiceAccount("dr-dns@dr-project.iam.gserviceaccount.com", "dr-project");
    google.dns.addZone("dr-project", "dr-zone", "example.com.");
    const inputs = {
      backend: "clouddns",
      zone: "dr-zone",
      name: "registry",
      type: "CNAME",
      ttl: 60,
      sites: sites(),
      active: "primary",
      clients: false,
      google: { project: "dr-project", serviceAccountKey: account.keyJson, endpoint: google.dnsEndpoint },
    };
    await flipAndRefresh(inputs, async () => google.dns.record("dr-project", "dr-zone", "registry.example.com.", "CNAME")?.rrdatas[0]?.replace(/\.$/, ""));
  });
});
