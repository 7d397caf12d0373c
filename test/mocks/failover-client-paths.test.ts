import * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  CloudDnsFailover,
  DataCenterFailover,
  PrivateZoneFailover,
  RegistryDisasterRecovery,
  type DataCenterFailoverArgs,
  type RegistryDisasterRecoveryArgs,
} from "../../components";

/**
 * The failover components and RegistryDisasterRecovery refuse, before anything is registered, a
 * DNS failover clients could not pull through: a standby holding the images under other paths,
 * and Artifact Registry, which cannot serve the name.
 */

const HARBOR = "harbor.example.com";
const ACR = "myacr-registry.cn-hangzhou.cr.aliyuncs.com";
const moved = { images: { [`${HARBOR}/project/app:1.0`]: `${ACR}/dr/app` } };

async function mocks(): Promise<void> {
  await (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs?.();
  await pulumi.runtime.setMocks(
    { newResource: (resource) => ({ id: `${resource.name}-id`, state: resource.inputs }), call: (call) => call.inputs },
    "client-paths",
    "dev",
    false,
  );
}

test("PrivateZoneFailover: a readiness image moved to dr/ at ACR is refused, naming both paths", async () => {
  await mocks();
  const args = {
    zoneName: HARBOR,
    vpcs: [{ vpcId: "vpc-bbbbb", regionId: "cn-zhangjiakou" }],
    sites: { primary: { value: "harbor-origin.example.com", registry: HARBOR }, secondary: { value: ACR, registry: ACR } },
    activeSite: "primary" as const,
  };
  assert.throws(
    () => new PrivateZoneFailover("moved", { ...args, readiness: moved }),
    /PrivateZoneFailover moved: readiness\.images\["harbor\.example\.com\/project\/app:1\.0"\]: the secondary site \(myacr-registry\.cn-hangzhou\.cr\.aliyuncs\.com\) holds project\/app as dr\/app: after a DNS flip to it, clients asking for project\/app would get 404 there/,
  );
  new PrivateZoneFailover("kept", { ...args, readiness: { images: { [`${HARBOR}/project/app:1.0`]: `${ACR}/project/app` } } });
});

test("CloudDnsFailover: Artifact Registry as the standby is refused, saying what works instead", async () => {
  await mocks();
  assert.throws(
    () =>
      new CloudDnsFailover("ar", {
        dnsName: "dr.example.com",
        recordName: "registry",
        sites: {
          primary: { value: "harbor.dc.example.com", registry: "harbor.dc.example.com" },
          secondary: { value: "europe-west4-docker.pkg.dev", registry: "europe-west4-docker.pkg.dev" },
        },
        activeSite: "primary",
      }),
    /CloudDnsFailover ar: sites\.secondary\.registry: europe-west4-docker\.pkg\.dev is served by Google Artifact Registry, which cannot serve a custom name.*`registry-dr rewrite`/,
  );
});

test("DataCenterFailover: a readiness image moved at the ACR VPC endpoint is refused", async () => {
  await mocks();
  const vpc = "myinstance-registry-vpc.cn-hangzhou.cr.aliyuncs.com";
  const args: DataCenterFailoverArgs = {
    instanceId: "cri-kmsiwlxxdcvaduwb",
    vpcId: "vpc-bp1abcdefg",
    vswitchId: "vsw-bp1s5fnvk4gn2tws03624",
    zone: "dr.example.com",
    recordName: "registry",
    rfc2136: { server: "10.0.0.53:53", tsig: { name: "dr-key", algorithm: "hmac-sha256", secret: pulumi.secret("c2VjcmV0") } },
    harbor: { ip: "10.1.0.10", registry: "harbor.dr.example.com" },
    acrVpcRegistry: vpc,
    activeSite: "primary",
    readiness: { images: { "harbor.dr.example.com/library/nginx": `${vpc}/mirror/nginx` } },
  };
  assert.throws(() => new DataCenterFailover("dc", args), /DataCenterFailover dc: readiness\.images.*holds library\/nginx as mirror\/nginx/);
});

test("RegistryDisasterRecovery: a standby under another namespace, and an Artifact Registry standby, are refused before anything is registered", async () => {
  await mocks();
  const base: RegistryDisasterRecoveryArgs = {
    primary: { harbor: { url: `https://${HARBOR}`, username: "admin", password: "Harbor12345" } },
    protect: { repositories: ["library/nginx"] },
    sites: { dc2: { registry: { url: "https://registry.dc2.example.com", namespace: "mirror" }, replication: { direct: {} } } },
    failover: {
      record: { backend: "privatezone", zone: "zone-1", name: "@", type: "CNAME" },
      values: { primary: "harbor-lb.example.com", dc2: "registry-lb.dc2.example.com" },
      active: "primary",
    },
  };
  assert.throws(
    () => new RegistryDisasterRecovery("dr", base),
    /RegistryDisasterRecovery dr: sites\.dc2\.registry\.namespace: the failover standby dc2 holds library\/nginx as mirror\/nginx .*Namespace "library" with flatten 1 keeps them where clients look/,
  );
  assert.throws(
    () =>
      new RegistryDisasterRecovery("dr", {
        ...base,
        sites: { europe: { artifactRegistry: { repositoryId: "dr-images", location: "europe-west4", project: "dr-project" }, replication: { harbor: {} } } },
        failover: { ...base.failover!, values: { primary: "harbor-lb.example.com", europe: "europe-west4-docker.pkg.dev" } },
      }),
    /RegistryDisasterRecovery dr: failover\.standby: the failover standby europe \(europe-west4-docker\.pkg\.dev\) is served by Google Artifact Registry/,
  );
});
