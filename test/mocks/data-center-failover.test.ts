import * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import { test } from "node:test";
import { DataCenterFailover, DataCenterFailoverArgs } from "../../components";
import { isRegisteredSecret, valueOf } from "../support/pulumi-mocks";

/** DataCenterFailover's resource graph under mocks: solution 3 of Alibaba Cloud's Harbor-to-ACR guide. */

const ENDPOINT_IP = "192.168.40.7";
const TSIG_SECRET = Buffer.alloc(32, 5).toString("base64");

const BASE: DataCenterFailoverArgs = {
  instanceId: "cri-kmsiwlxxdcvaduwb",
  vpcId: "vpc-bp1abcdefg",
  vswitchId: "vsw-bp1s5fnvk4gn2tws03624",
  zone: "dr.example.com",
  recordName: "registry",
  rfc2136: { server: "10.0.0.53:53", tsig: { name: "dr-key", algorithm: "hmac-sha256", secret: pulumi.secret(TSIG_SECRET) } },
  harbor: { ip: "10.1.0.10", registry: "harbor.dr.example.com" },
  acrVpcRegistry: "myinstance-registry-vpc.cn-hangzhou.cr.aliyuncs.com",
  activeSite: "primary",
};

async function mock(): Promise<{ resources: pulumi.runtime.MockResourceArgs[]; calls: pulumi.runtime.MockCallArgs[] }> {
  await (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs?.();
  const resources: pulumi.runtime.MockResourceArgs[] = [];
  const calls: pulumi.runtime.MockCallArgs[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        resources.push(args);
        const id =
          args.type === "alicloud:cr/vpcEndpointLinkedVpc:VpcEndpointLinkedVpc"
            ? `${args.inputs.instanceId}:${args.inputs.vpcId}:${args.inputs.vswitchId}:Registry`
            : `${args.name}-id`;
        const outputs = args.type.endsWith(":FailoverRecord") ? { activeTarget: args.inputs.sites.primary.value, preflight: { problems: [] } } : {};
        return { id, state: { ...args.inputs, ...outputs } };
      },
      call: (args) => {
        calls.push(args);
        if (args.token === "alicloud:cr/getVpcEndpointLinkedVpcs:getVpcEndpointLinkedVpcs") {
          return { vpcEndpointLinkedVpcs: [{ id: args.inputs.ids[0], ip: ENDPOINT_IP, status: "RUNNING", vpcId: BASE.vpcId, vswitchId: BASE.vswitchId }] };
        }
        if (args.token === "alicloud:vpc/getSwitches:getSwitches") return { vswitches: [{ id: args.inputs.ids[0], cidrBlock: "192.168.40.0/24" }] };
        return args.inputs;
      },
    },
    "dcf-test",
    "dev",
    false,
  );
  return { resources, calls };
}

test("the instance is linked to the data center's VPC, and the record's secondary value is the endpoint IP, checked on 443", async () => {
  const { resources } = await mock();
  const failover = new DataCenterFailover("dc", BASE);
  assert.equal(await valueOf(failover.endpointIp), ENDPOINT_IP);
  assert.deepEqual(await valueOf(failover.requiredRoutes), ["192.168.40.0/24"]);
  await Promise.all([valueOf(failover.record.urn), valueOf(failover.urn), valueOf(failover.activeTarget)]);
  const link = resources.find((resource) => resource.type === "alicloud:cr/vpcEndpointLinkedVpc:VpcEndpointLinkedVpc")!;
  assert.deepEqual(link.inputs, {
    instanceId: BASE.instanceId,
    vpcId: BASE.vpcId,
    vswitchId: BASE.vswitchId,
    moduleName: "Registry",
    enableCreateDnsRecordInPvzt: false,
  });
  const record = resources.find((resource) => resource.type === "pulumi-nodejs:dynamic/dns:FailoverRecord")!;
  assert.equal(record.name, "dc-record");
  assert.equal(record.inputs.backend, "rfc2136");
  assert.equal(record.inputs.type, "A");
  assert.deepEqual(record.inputs.sites.secondary, { value: ENDPOINT_IP, registry: BASE.acrVpcRegistry, tcpCheck: `${ENDPOINT_IP}:443` });
  assert.equal(record.inputs.sites.primary.value, "10.1.0.10");
  assert.ok(isRegisteredSecret(record.inputs.rfc2136), "the TSIG settings are registered as a secret");
  assert.ok(
    resources.every((resource) => resource.type === "registry-dr:alicloud:DataCenterFailover" || resource.name.startsWith("dc-")),
    "children are named after the component",
  );
});

test("bad known arguments are refused before anything is registered, naming the property", async () => {
  await mock();
  assert.throws(
    () => new DataCenterFailover("bad", { ...BASE, vswitchId: "vpc-oops" }),
    /DataCenterFailover bad: vswitchId: expected a vSwitch id, such as vsw-/,
  );
  assert.throws(() => new DataCenterFailover("bad", { ...BASE, zone: "not a zone!" }), /DataCenterFailover bad: zone: expected the data center zone's name/);
  assert.throws(
    () => new DataCenterFailover("bad", { ...BASE, harbor: { ip: "10.1.0.300", registry: "h" } }),
    /DataCenterFailover bad: harbor\.ip: expected Harbor's IPv4 address/,
  );
  assert.throws(
    () =>
      new DataCenterFailover("bad", { ...BASE, rfc2136: { server: "10.0.0.53", tsig: { name: "k", algorithm: "hmac-md5" as "hmac-sha256", secret: "x" } } }),
    /DataCenterFailover bad: rfc2136\.tsig\.algorithm: expected one of hmac-sha1/,
  );
  assert.throws(
    () =>
      new DataCenterFailover("bad", {
        ...BASE,
        rfc2136: { server: "10.0.0.53:99999", tsig: { name: "k", algorithm: "hmac-sha256", secret: "plain-secret-never-shown" } },
      }),
    (error: Error) => /rfc2136\.server: expected a DNS server/.test(error.message) && !error.message.includes("plain-secret-never-shown"),
  );
  assert.throws(
    () => new DataCenterFailover("bad", { ...BASE, activeSite: "tertiary" as "primary" }),
    /DataCenterFailover bad: activeSite: expected "primary" or "secondary"/,
  );
});
