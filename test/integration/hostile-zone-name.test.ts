import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { AlicloudClient, PrivateZoneRecords, rememberAlicloudConfig } from "../../provider/clients/alicloud";
import { applyRecord, checkRecordRules, failoverRecordSchema, withRecordStore } from "../../provider/failover";
import { AlicloudStandIn, startAlicloudStandIn } from "../support/alicloud";
import { runCli } from "../support/cli-process";
import { GoogleStandIn, startGoogleStandIn } from "../support/google";
import { makeTempDir, removeTempDir } from "../support/processes";

/**
 * A DNS API that answers with a bad zone name. With no `clients.name`, PrivateZone's ZoneName
 * and Cloud DNS's dnsName become the client view's TLS server name and Host header: a name with
 * a space, a slash, a line break, none at all or over 253 characters is refused with what is
 * wrong with it (never echoed), and the record is not written.
 */

const ZONE = "dr.example.com";
const KEY = { accessKey: "LTAI5tHostileZoneName1", secretKey: "hostile-zone-name-secret-3c9e" };
const PROJECT = "dr-project";
const PRIMARY_IP = "10.1.0.10";
const STANDBY_IP = "10.2.0.20";

/** Bad names, what the refusal says of each, and text of the name that must not come back. */
const BAD_NAMES: { name: unknown; problem: RegExp; hidden?: string }[] = [
  { name: "dr example.com", problem: /holds a space \(U\+0020\)/ },
  { name: "dr.example.com/evil", problem: /holds "\/" \(U\+002F\)/, hidden: "evil" },
  { name: "", problem: /is empty/ },
  { name: `${"a".repeat(60)}.`.repeat(5), problem: /is 304 characters long \(a DNS name has at most 253\)/ },
  { name: "dr.example.com\r\nX-Injected: yes", problem: /holds white space \(U\+000D\)/, hidden: "X-Injected" },
  { name: 42, problem: /is a number, not text/ },
];

/** No control character, and none of the bad name's own text. */
function assertNotEchoed(message: string, hidden?: string): void {
  assert.doesNotMatch(message, /[\x00-\x08\x0b-\x1f\x7f]/, "no control character is printed");
  if (hidden) assert.ok(!message.includes(hidden), `the bad name is not echoed: ${message}`);
}

let alibaba: AlicloudStandIn;
let google: GoogleStandIn;
let dir: string;

before(async () => {
  dir = makeTempDir("hostile-zone-name-");
  [alibaba, google] = await Promise.all([startAlicloudStandIn({ accessKeys: { [KEY.accessKey]: { secret: KEY.secretKey } } }), startGoogleStandIn()]);
  rememberAlicloudConfig({ get: (key) => (key === "alicloud:endpoints" ? JSON.stringify([alibaba.endpoints]) : undefined) });
});
after(async () => {
  assert.deepEqual(alibaba?.violations(), []);
  assert.deepEqual(google?.violations(), []);
  await Promise.all([alibaba?.stop(), google?.stop()]);
  if (dir) await removeTempDir(dir);
});

/** Both sites' registries: never reached, as the refusal comes before the preflight. */
const sites = {
  primary: { value: PRIMARY_IP, registry: "harbor.dc.example.com" },
  secondary: { value: STANDBY_IP, registry: "standby.dr.example.com" },
};
const readiness = { images: { "harbor.dc.example.com/library/app:1.0": "standby.dr.example.com/library/app:1.0" } };

describe("PrivateZone answering DescribeZoneInfo with a bad ZoneName", () => {
  test("a switch with no clients.name is refused naming the ZoneName's problem, and the record stays", async () => {
    const operator = new AlicloudClient({ accessKey: { accessKeyId: KEY.accessKey, accessKeySecret: KEY.secretKey }, endpoints: alibaba.endpoints });
    try {
      const zoneId = (await operator.call<{ ZoneId: string }>("pvtz", "AddZone", { ZoneName: ZONE })).ZoneId;
      await operator.call("pvtz", "AddZoneRecord", { ZoneId: zoneId, Rr: "registry", Type: "A", Value: PRIMARY_IP, Ttl: 60 });
      const stored = async () => (await new PrivateZoneRecords(operator, zoneId).find("registry")).map((record) => record.value);
      const inputs = failoverRecordSchema().parse({
        backend: "privatezone",
        zone: zoneId,
        name: "registry",
        type: "A",
        ttl: 60,
        alicloud: KEY,
        sites,
        active: "secondary",
        readiness,
      });
      checkRecordRules(inputs);
      for (const bad of BAD_NAMES) {
        alibaba.reportZoneNameAs(zoneId, bad.name);
        alibaba.clearRequests();
        const lines: string[] = [];
        await assert.rejects(
          withRecordStore(inputs, async (records) => {
            const [existing] = await records.find("registry");
            return applyRecord(records, inputs, existing, existing.value, (line) => lines.push(line));
          }),
          (error: Error) => {
            assert.match(error.message, /PrivateZone: the name clients pull through is the record's name in zone [0-9a-f]+, whose DNS name could not be read/);
            assert.match(error.message, new RegExp(`ZoneName ${bad.problem.source}`));
            assert.match(error.message, /give clients\.name, or clients: false/);
            assertNotEchoed(error.message, bad.hidden);
            return true;
          },
        );
        assert.deepEqual(await stored(), [PRIMARY_IP], "the record is unchanged");
        const writes = alibaba.requests().filter((request) => /^(Add|Update|Delete)ZoneRecord$|SetZoneRecordStatus/.test(request.action));
        assert.deepEqual(writes, [], "nothing is written");
      }
    } finally {
      await operator.close();
    }
  });
});

describe("Cloud DNS answering managedZones.get with a bad dnsName", () => {
  test("registry-dr failover with no clients.name is refused naming the dnsName's problem, and the record set stays", async () => {
    const account = google.addServiceAccount("dr-dns@dr-project.iam.gserviceaccount.com", PROJECT);
    google.dns.addZone(PROJECT, "dr-zone", `${ZONE}.`);
    google.dns.setRecord(PROJECT, "dr-zone", { name: `registry.${ZONE}.`, type: "A", ttl: 60, rrdatas: [PRIMARY_IP] });
    const recordFile = join(dir, "cloud-dns.json");
    writeFileSync(
      recordFile,
      JSON.stringify({
        backend: "clouddns",
        zone: "dr-zone",
        name: "registry",
        type: "A",
        ttl: 60,
        google: { project: PROJECT, endpoint: google.dnsEndpoint },
        sites,
        readiness,
      }),
    );
    const keyFile = join(dir, "dr-dns-key.json");
    writeFileSync(keyFile, account.keyJson);
    for (const bad of BAD_NAMES) {
      google.dns.reportDnsNameAs(PROJECT, "dr-zone", bad.name);
      const run = await runCli(["failover", "--record", recordFile, "--to", "secondary"], { cwd: dir, env: { GOOGLE_APPLICATION_CREDENTIALS: keyFile } });
      assert.notEqual(run.code, 0, run.stdout);
      assert.match(run.stderr, new RegExp(`managed zone dr-zone: the answer's dnsName ${bad.problem.source}`), run.stderr);
      assertNotEchoed(`${run.stdout}${run.stderr}`, bad.hidden);
      assert.deepEqual(google.dns.record(PROJECT, "dr-zone", `registry.${ZONE}.`, "A")?.rrdatas, [PRIMARY_IP], "the record set is unchanged");
      assert.ok(!google.requests().some((request) => request.method === "POST" && request.path.endsWith("/changes")), "no change is sent");
    }
  });
});
