import * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import { test } from "node:test";
import { isRegisteredSecret, recordRegistrations, valueOf } from "../support/pulumi-mocks";

/** The privatezone-failover example's resource graph under mocks: the PrivateZone drill of Alibaba Cloud's Harbor-to-ACR guide (solution 1). */

const ACR = "myacr-registry.cn-hangzhou.cr.aliyuncs.com";

test("the example binds the Harbor name's zone to the VPC and points its @ CNAME at the configured site, readiness secret", async () => {
  const project = "privatezone-failover";
  pulumi.runtime.setAllConfig(
    {
      "alicloud:region": "cn-zhangjiakou",
      "alicloud:accessKey": "LTAI-example",
      "alicloud:secretKey": "alicloud-sk",
      [`${project}:zoneName`]: "harbor.example.com",
      [`${project}:vpcId`]: "vpc-bbbbb",
      [`${project}:vpcRegion`]: "cn-zhangjiakou",
      [`${project}:primaryValue`]: "harbor-lb.example.internal",
      [`${project}:primaryRegistry`]: "harbor.example.com",
      [`${project}:secondaryValue`]: ACR,
      [`${project}:secondaryRegistry`]: ACR,
      [`${project}:activeSite`]: "secondary",
      [`${project}:readinessImages`]: JSON.stringify({ "harbor.example.com/project/app:1.0": `${ACR}/project/app` }),
      [`${project}:readinessAuth`]: JSON.stringify({
        "harbor.example.com": { username: "robot$dr", password: "harbor-pw" },
        [ACR]: { alicloud: { instanceId: "cri-kmsiwlxxdcvaduwb", region: "cn-hangzhou" } },
      }),
    },
    ["alicloud:secretKey", `${project}:readinessAuth`],
  );
  const preflight = {
    site: "secondary",
    registry: ACR,
    checkedAt: "2025-01-01T00:00:00.000Z",
    registryAnswered: true,
    counts: { present: 1, missing: 0, differs: 0, error: 0 },
    problems: [],
    forced: false,
  };
  const registered = await recordRegistrations(project, {
    recordId: "rec-1",
    activeTarget: ACR,
    previousTarget: "harbor-lb.example.internal",
    switchedAt: "2025-01-01T00:00:00.000Z",
    preflight,
  });

  const program = await import("../../examples/privatezone-failover");
  assert.deepEqual(await valueOf(program.preflight as pulumi.Output<unknown>), preflight);
  assert.equal(await valueOf(program.zoneId), "registry-endpoint-zone-id");
  assert.equal(await valueOf(program.activeTarget), ACR);
  assert.equal(await valueOf(program.previousTarget), "harbor-lb.example.internal");
  assert.equal(await valueOf(program.switchedAt), "2025-01-01T00:00:00.000Z");

  const byType = Object.fromEntries(registered.map((r) => [r.type.split(":").pop(), r]));
  assert.deepEqual(Object.keys(byType).sort(), ["FailoverRecord", "PrivateZoneFailover", "Zone", "ZoneAttachment"]);
  assert.equal(byType.PrivateZoneFailover.type, "registry-dr:alicloud:PrivateZoneFailover");
  assert.equal(byType.Zone.inputs.zoneName, "harbor.example.com");
  assert.deepEqual(byType.ZoneAttachment.inputs, { zoneId: "registry-endpoint-zone-id", vpcs: [{ vpcId: "vpc-bbbbb", regionId: "cn-zhangjiakou" }] });

  const record = byType.FailoverRecord.inputs;
  assert.deepEqual(
    [record.backend, record.zone, record.name, record.type, record.ttl, record.active],
    ["privatezone", "registry-endpoint-zone-id", "@", "CNAME", 60, "secondary"],
  );
  assert.deepEqual(record.sites, {
    primary: { value: "harbor-lb.example.internal", registry: "harbor.example.com" },
    secondary: { value: ACR, registry: ACR },
  });
  assert.ok(isRegisteredSecret(record.readiness), "readiness (with the Harbor password) is a secret");
  assert.equal(record.alicloud, undefined, "PrivateZone credentials come from the alicloud:* config, read by the provider at run time");
  assert.equal(record.force, undefined);
  for (const inputs of registered.map((r) => r.inputs)) {
    const serialized = JSON.stringify(inputs);
    assert.ok(!serialized.includes("alicloud-sk") && !String(inputs.__provider).includes("harbor-pw"), "no credential in plain inputs or the provider");
  }
});
