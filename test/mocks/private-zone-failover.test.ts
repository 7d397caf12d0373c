import * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import { test } from "node:test";
import { PrivateZoneFailover, PrivateZoneFailoverArgs } from "../../components";
import { isRegisteredSecret, valueOf } from "../support/pulumi-mocks";

/** PrivateZoneFailover's resource graph under mocks: solution 1 of Alibaba Cloud's Harbor-to-ACR guide. */

const COMPONENT = "registry-dr:alicloud:PrivateZoneFailover";
const ZONE = "alicloud:pvtz/zone:Zone";
const ATTACHMENT = "alicloud:pvtz/zoneAttachment:ZoneAttachment";
const HARBOR = "harbor-origin.example.com";
const ACR = "myacr-registry.cn-hangzhou.cr.aliyuncs.com";

const BASE: PrivateZoneFailoverArgs = {
  zoneName: "harbor.example.com",
  vpcs: [{ vpcId: "vpc-bbbbb", regionId: "cn-zhangjiakou" }],
  sites: { primary: { value: HARBOR, registry: "harbor.example.com" }, secondary: { value: ACR, registry: ACR } },
  activeSite: "secondary",
};

/** What the FailoverRecord provider would answer after creating the record. */
const RECORD_OUTPUTS = {
  recordId: "rec-42",
  activeTarget: ACR,
  previousTarget: HARBOR,
  switchedAt: "2025-01-01T00:00:00.000Z",
  preflight: {
    site: "secondary",
    registry: ACR,
    checkedAt: "2025-01-01T00:00:00.000Z",
    registryAnswered: true,
    counts: { present: 1, missing: 0, differs: 0, error: 0 },
    problems: [],
    forced: false,
  },
  createdByResource: true,
};

interface Registration {
  args: pulumi.runtime.MockResourceArgs;
  /** Order in which the mock monitor saw the request, and answered it. */
  requested: number;
  answered: number;
}

/** Mocks recording each registration; `delayMs` holds back the answer for some types. */
async function mock(delayMs: Record<string, number> = {}): Promise<Registration[]> {
  await (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs?.();
  const registered: Registration[] = [];
  let clock = 0;
  await pulumi.runtime.setMocks(
    {
      newResource: async (args) => {
        const entry: Registration = { args, requested: clock++, answered: -1 };
        registered.push(entry);
        if (delayMs[args.type]) await new Promise((resolve) => setTimeout(resolve, delayMs[args.type]));
        entry.answered = clock++;
        const outputs = args.type.endsWith(":FailoverRecord") ? RECORD_OUTPUTS : {};
        return { id: `${args.name}-id`, state: { ...args.inputs, ...outputs } };
      },
      call: (args) => args.inputs,
    },
    "pzf-test",
    "dev",
    false,
  );
  return registered;
}

async function settled(failover: PrivateZoneFailover): Promise<void> {
  await Promise.all([failover.zone, failover.attachment, failover.record].map((child) => valueOf(child.urn)));
  await valueOf(failover.preflight);
}

function find(registered: Registration[], suffix: string): Registration {
  const found = registered.filter((r) => r.args.type.endsWith(suffix));
  assert.equal(found.length, 1, `one ${suffix}`);
  return found[0];
}

test("a zone named like the registry, bound to the VPCs, and a FailoverRecord CNAME at @ in it", async () => {
  const registered = await mock();
  const failover = new PrivateZoneFailover("pzf", {
    ...BASE,
    dnsGroup: "FAST_ZONE",
    readiness: { images: { "harbor.example.com/project/app:1.0": `${ACR}/project/app` } },
    alicloud: { accessKey: "LTAI-test", secretKey: "ak-secret" },
  });
  await settled(failover);

  assert.deepEqual(registered.map((r) => r.args.type.split(":").pop()).sort(), ["FailoverRecord", "PrivateZoneFailover", "Zone", "ZoneAttachment"]);
  const zone = find(registered, ":Zone").args;
  assert.equal(zone.type, ZONE);
  assert.equal(zone.name, "pzf-zone");
  assert.deepEqual([zone.inputs.zoneName, zone.inputs.dnsGroup], ["harbor.example.com", "FAST_ZONE"]);

  const attachment = find(registered, ":ZoneAttachment").args;
  assert.equal(attachment.type, ATTACHMENT);
  assert.deepEqual(attachment.inputs, { zoneId: "pzf-zone-id", vpcs: [{ vpcId: "vpc-bbbbb", regionId: "cn-zhangjiakou" }] });

  const record = find(registered, ":FailoverRecord").args;
  assert.match(record.type, /^pulumi-nodejs:dynamic\/.*FailoverRecord$/);
  assert.equal(record.name, "pzf-record");
  const inputs = record.inputs;
  assert.deepEqual(
    [inputs.backend, inputs.zone, inputs.name, inputs.type, inputs.ttl, inputs.active],
    ["privatezone", "pzf-zone-id", "@", "CNAME", 60, "secondary"],
  );
  assert.deepEqual(inputs.sites, { primary: { value: HARBOR, registry: "harbor.example.com" }, secondary: { value: ACR, registry: ACR } });
  assert.ok(!isRegisteredSecret(inputs.readiness), "readiness without registry passwords stays plain, for a reviewer to see");
  assert.ok(isRegisteredSecret(inputs.alicloud), "the AccessKey is a secret");
  assert.ok(!String(inputs.__provider).includes("ak-secret"), "no credential in the serialized provider");

  for (const child of [failover.zone, failover.attachment, failover.record]) {
    const urn = await valueOf(child.urn);
    assert.ok(urn.includes(`::${COMPONENT}$`), `${urn} is a child of the component`);
  }

  assert.equal(await valueOf(failover.zoneId), "pzf-zone-id");
  assert.equal(await valueOf(failover.recordId), "rec-42");
  assert.equal(await valueOf(failover.activeTarget), ACR);
  assert.equal(await valueOf(failover.previousTarget), HARBOR);
  assert.equal(await valueOf(failover.switchedAt), "2025-01-01T00:00:00.000Z");
  assert.deepEqual(await valueOf(failover.preflight), RECORD_OUTPUTS.preflight);
});

test("defaults: record @, TTL 60, no dnsGroup (the account's default), no force, no readiness", async () => {
  const registered = await mock();
  const failover = new PrivateZoneFailover("defaults", { ...BASE, activeSite: "primary" });
  await settled(failover);
  assert.equal(find(registered, ":Zone").args.inputs.dnsGroup, undefined);
  const inputs = find(registered, ":FailoverRecord").args.inputs;
  assert.deepEqual(
    [inputs.name, inputs.ttl, inputs.active, inputs.force, inputs.readiness, inputs.alicloud],
    ["@", 60, "primary", undefined, undefined, undefined],
  );
});

test("recordName, ttl and force pass through", async () => {
  const registered = await mock();
  const failover = new PrivateZoneFailover("custom", { ...BASE, recordName: "registry", ttl: 5, force: true });
  await settled(failover);
  const inputs = find(registered, ":FailoverRecord").args.inputs;
  assert.deepEqual([inputs.name, inputs.ttl, inputs.force], ["registry", 5, true]);
});

test("the record is registered only once the zone's VPC attachment exists (dependsOn)", async () => {
  const registered = await mock({ [ATTACHMENT]: 150 });
  const failover = new PrivateZoneFailover("ordered", BASE);
  await settled(failover);
  const attachment = find(registered, ":ZoneAttachment");
  const record = find(registered, ":FailoverRecord");
  assert.ok(record.requested > attachment.answered, `record requested at ${record.requested}, attachment answered at ${attachment.answered}`);
});

test("bad plain arguments fail at construction, naming the argument and what is expected", async () => {
  const registered = await mock();
  const cases: [Partial<PrivateZoneFailoverArgs>, RegExp][] = [
    [{ activeSite: "standby" as "primary" }, /PrivateZoneFailover bad: activeSite: expected "primary" or "secondary"/],
    [{ activeSite: undefined }, /activeSite: expected/],
    [{ zoneName: "" }, /zoneName: expected the registry host name the zone answers for/],
    [{ zoneName: "not a host" }, /zoneName: expected/],
    [{ vpcs: [] }, /vpcs: expected a non-empty list of \{vpcId, regionId\?\}/],
    [{ vpcs: [{ vpcId: "bbbbb" }] }, /vpcs\[0\]\.vpcId: expected a VPC id/],
    [{ vpcs: [{ vpcId: "vpc-a" }, { vpcId: "vpc-a" }] }, /vpcs\[1\]\.vpcId: expected each VPC once/],
    [{ vpcs: [{ vpcId: "vpc-a", regionId: "Zhangjiakou" }] }, /vpcs\[0\]\.regionId: expected a region id/],
    [{ ttl: 600 }, /ttl: expected one of 5, 30, 60, 3600, 43200, 86400 seconds/],
    [{ recordName: "bad name" }, /recordName: expected the record's RR/],
    [{ dnsGroup: "SLOW_ZONE" as "FAST_ZONE" }, /dnsGroup: expected "NORMAL_ZONE" or "FAST_ZONE"/],
    [
      { sites: { primary: { value: HARBOR, registry: "harbor.example.com" } } as PrivateZoneFailoverArgs["sites"] },
      /sites\.secondary: expected \{value, registry, insecure\?\}/,
    ],
    [
      { sites: { primary: { value: "", registry: "h" }, secondary: { value: ACR, registry: ACR } } },
      /sites\.primary\.value: expected the host name the CNAME points at/,
    ],
    [
      { sites: { primary: { value: HARBOR, registry: "" }, secondary: { value: ACR, registry: ACR } } },
      /sites\.primary\.registry: expected the site's registry/,
    ],
    [
      { sites: { primary: { value: ACR, registry: "h" }, secondary: { value: ACR, registry: ACR } } },
      /sites\.secondary\.value: expected a value other than the primary's/,
    ],
    [
      { sites: { primary: { value: "harbor.example.com", registry: "h" }, secondary: { value: ACR, registry: ACR } } },
      /sites\.primary\.value: expected the site's own host name, not the zone's name harbor\.example\.com/,
    ],
  ];
  for (const [override, message] of cases) {
    assert.throws(() => new PrivateZoneFailover("bad", { ...BASE, ...override } as PrivateZoneFailoverArgs), message, JSON.stringify(override));
  }
  assert.deepEqual(registered, [], "nothing is registered for rejected arguments");
});

test("unknown (Output) arguments are left to the FailoverRecord provider's check", async () => {
  const registered = await mock();
  const failover = new PrivateZoneFailover("eventual", {
    ...BASE,
    activeSite: pulumi.output<"primary" | "secondary">("primary"),
    zoneName: pulumi.output("harbor.example.com"),
    vpcs: [{ vpcId: pulumi.output("vpc-later") }],
  });
  await settled(failover);
  assert.equal(find(registered, ":FailoverRecord").args.inputs.active, "primary");
  assert.deepEqual(find(registered, ":ZoneAttachment").args.inputs.vpcs, [{ vpcId: "vpc-later" }]);
});
