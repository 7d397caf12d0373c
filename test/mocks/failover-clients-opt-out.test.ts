import * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import { test } from "node:test";
import { CloudDnsFailover, DataCenterFailover, PrivateZoneFailover, RegistryDisasterRecovery } from "../../components";
import { valueOf } from "../support/pulumi-mocks";

/**
 * `clients: false` (the client view turned off where the tool cannot reach the registry as
 * clients do) is taken by every failover component and by RegistryDisasterRecovery's plan, and
 * reaches the FailoverRecord as given; left out, the record gets no `clients` and runs the view
 * with its defaults.
 */

const HARBOR = "harbor.example.com";
const ACR = "myacr-registry.cn-hangzhou.cr.aliyuncs.com";

/** The inputs each FailoverRecord is registered with, by resource name; the cloud lookups answered as data-center-failover's mocks do. */
async function recordInputs(): Promise<Map<string, Record<string, unknown>>> {
  const records = new Map<string, Record<string, unknown>>();
  await (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs?.();
  await pulumi.runtime.setMocks(
    {
      newResource: (resource) => {
        const isRecord = resource.type.endsWith(":FailoverRecord");
        if (isRecord) records.set(resource.name, resource.inputs);
        const id =
          resource.type === "alicloud:cr/vpcEndpointLinkedVpc:VpcEndpointLinkedVpc"
            ? `${resource.inputs.instanceId}:${resource.inputs.vpcId}:${resource.inputs.vswitchId}:Registry`
            : `${resource.name}-id`;
        const outputs = isRecord ? { activeTarget: resource.inputs.sites.primary.value, preflight: { problems: [] } } : {};
        return { id, state: { ...resource.inputs, ...outputs } };
      },
      call: (call) => {
        if (call.token === "alicloud:cr/getVpcEndpointLinkedVpcs:getVpcEndpointLinkedVpcs")
          return {
            vpcEndpointLinkedVpcs: [
              { id: call.inputs.ids[0], ip: "192.168.40.7", status: "RUNNING", vpcId: "vpc-bp1abcdefg", vswitchId: "vsw-bp1s5fnvk4gn2tws03624" },
            ],
          };
        if (call.token === "alicloud:vpc/getSwitches:getSwitches") return { vswitches: [{ id: call.inputs.ids[0], cidrBlock: "192.168.40.0/24" }] };
        return call.inputs;
      },
    },
    "clients-opt-out",
    "dev",
    false,
  );
  return records;
}

test("every failover component and RegistryDisasterRecovery pass clients: false to the record; left out, the record has none", async () => {
  const records = await recordInputs();
  const privateZone = {
    zoneName: HARBOR,
    vpcs: [{ vpcId: "vpc-bbbbb", regionId: "cn-zhangjiakou" }],
    sites: { primary: { value: "harbor-origin.example.com", registry: HARBOR }, secondary: { value: ACR, registry: ACR } },
    activeSite: "primary" as const,
  };
  const components = [
    new PrivateZoneFailover("pz-off", { ...privateZone, clients: false }).record,
    new PrivateZoneFailover("pz-default", privateZone).record,
    new CloudDnsFailover("gcp-off", {
      dnsName: "dr.example.com",
      recordName: "registry",
      sites: {
        primary: { value: "harbor.dc.example.com", registry: "harbor.dc.example.com" },
        secondary: { value: "registry-lb.gcp.example.com", registry: "registry-lb.gcp.example.com" },
      },
      activeSite: "primary",
      clients: false,
    }).record,
  ];
  const vpc = "myinstance-registry-vpc.cn-hangzhou.cr.aliyuncs.com";
  const dataCenter = new DataCenterFailover("dc-off", {
    instanceId: "cri-kmsiwlxxdcvaduwb",
    vpcId: "vpc-bp1abcdefg",
    vswitchId: "vsw-bp1s5fnvk4gn2tws03624",
    zone: "dr.example.com",
    recordName: "registry",
    rfc2136: { server: "10.0.0.53:53", tsig: { name: "dr-key", algorithm: "hmac-sha256", secret: pulumi.secret("c2VjcmV0") } },
    harbor: { ip: "10.1.0.10", registry: "harbor.dr.example.com" },
    acrVpcRegistry: vpc,
    activeSite: "primary",
    clients: false,
  });
  const dr = new RegistryDisasterRecovery("dr-off", {
    primary: { harbor: { url: `https://${HARBOR}`, username: "admin", password: "Harbor12345" } },
    protect: { repositories: ["library/nginx"] },
    sites: { dc2: { registry: { url: "https://registry.dc2.example.com", namespace: "library" }, replication: { direct: {} } } },
    failover: {
      record: { backend: "privatezone", zone: "zone-1", name: "@", type: "CNAME" },
      values: { primary: "harbor-lb.example.com", dc2: "registry-lb.dc2.example.com" },
      active: "primary",
      clients: false,
    },
  });
  await Promise.all([...components, dataCenter.record, dr.record!].map((record) => valueOf(record.urn)));
  const clientsOf = (suffix: string) => {
    const found = [...records.entries()].find(([name]) => name.startsWith(suffix));
    assert.ok(found, `a FailoverRecord for ${suffix}: ${[...records.keys()].join(", ")}`);
    // A flag holds no credential: it is registered plain, not as a secret (the engine would lose a secret false).
    return found[1].clients;
  };
  for (const name of ["pz-off", "gcp-off", "dc-off", "dr-off"]) assert.equal(clientsOf(name), false, name);
  assert.equal(clientsOf("pz-default"), undefined);
});
