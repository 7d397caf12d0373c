import * as alicloud from "@pulumi/alicloud";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { AlicloudClient, PrivateZoneRecords } from "../../provider/clients/alicloud";
import { CloudDnsFailover, PrivateZoneFailover } from "../../components";
import { AlicloudStandIn, startAlicloudStandIn } from "../support/alicloud";
import { GoogleStandIn, startGoogleStandIn } from "../support/google";
import { captureResources, ProviderHost } from "../support/provider-host";
import { RegistryServer, startRegistry } from "../support/registry-server";

/**
 * A failover component given an explicit provider for another account than the stack's: its
 * FailoverRecord, run by the real provider host, writes with that provider's account (checked
 * by the Alibaba stand-in's signature verifier and the Google stand-in's JWT check), while the
 * stack config names another account. The components' cloud children (zone, attachment) have
 * no provider plugin here: their registration is mocked, their ids replaced by the stand-ins'.
 */

const STACK_ACCOUNT = { accessKey: "LTAI5tStackAccount01", secretKey: "stack-secret-0a1b" };
const DR_ACCOUNT = { accessKey: "LTAI5tDrAccount00002", secretKey: "dr-secret-77c3" };
const ACR = "dr-instance-registry.cn-shanghai.cr.aliyuncs.com";

let alibaba: AlicloudStandIn;
let google: GoogleStandIn;
let primary: RegistryServer;
let host: ProviderHost;

before(async () => {
  [alibaba, google, primary] = await Promise.all([
    startAlicloudStandIn({
      accessKeys: { [STACK_ACCOUNT.accessKey]: { secret: STACK_ACCOUNT.secretKey }, [DR_ACCOUNT.accessKey]: { secret: DR_ACCOUNT.secretKey } },
    }),
    startGoogleStandIn(),
    startRegistry(),
  ]);
  host = await ProviderHost.start();
});
after(async () => {
  await Promise.all([host?.stop(), alibaba?.stop(), google?.stop(), primary?.stop()]);
});

test("PrivateZoneFailover with another account's alicloud provider: the record is written with that account, not the stack config's", async () => {
  const stackSide = new AlicloudClient({
    accessKey: { accessKeyId: STACK_ACCOUNT.accessKey, accessKeySecret: STACK_ACCOUNT.secretKey },
    endpoints: alibaba.endpoints,
  });
  try {
    const zoneId = (await stackSide.call<{ ZoneId: string }>("pvtz", "AddZone", { ZoneName: "harbor.example.com" })).ZoneId;
    await host.configure({
      "alicloud:accessKey": STACK_ACCOUNT.accessKey,
      "alicloud:secretKey": STACK_ACCOUNT.secretKey,
      "alicloud:endpoints": JSON.stringify([alibaba.endpoints]),
    });
    const captured = await captureResources(() => {
      const provider = new alicloud.Provider("dr-account", {
        accessKey: DR_ACCOUNT.accessKey,
        secretKey: pulumi.secret(DR_ACCOUNT.secretKey),
        region: "cn-shanghai",
      });
      const failover = new PrivateZoneFailover(
        "pz",
        {
          zoneName: "harbor.example.com",
          vpcs: [{ vpcId: "vpc-bbbbb" }],
          sites: { primary: { value: "harbor-origin.example.com", registry: `http://${primary.host}` }, secondary: { value: ACR, registry: ACR } },
          activeSite: "primary",
          clients: false,
        },
        { provider },
      );
      return [failover, failover.record];
    });
    const record = host.resource(captured.find((resource) => resource.type.endsWith(":FailoverRecord"))!);
    alibaba.clearRequests();
    const { id } = await record.create(record.inputs({ zone: zoneId }));
    const signers = new Set(alibaba.requests().map((request) => request.accessKeyId));
    assert.deepEqual([...signers], [DR_ACCOUNT.accessKey], "every PrivateZone call is signed by the provider's account");
    const [written] = await new PrivateZoneRecords(stackSide, zoneId).find("@");
    assert.equal(written?.recordId, id);
  } finally {
    await stackSide.close();
  }
});

test("CloudDnsFailover with another project's gcp provider: the record changes that project's zone with that provider's key", async () => {
  const drAccount = google.addServiceAccount("dns@dr-dns-project.iam.gserviceaccount.com", "dr-dns-project");
  const stackAccount = google.addServiceAccount("ops@stack-project.iam.gserviceaccount.com", "stack-project");
  google.dns.addZone("dr-dns-project", "dr-zone", "dr.example.com.");
  google.dns.addZone("stack-project", "dr-zone", "dr.example.com.");
  await host.configure({ "gcp:project": "stack-project", "gcp:credentials": stackAccount.keyJson });
  const captured = await captureResources(() => {
    const provider = new gcp.Provider("dr-dns", { project: "dr-dns-project", credentials: pulumi.secret(drAccount.keyJson) });
    const failover = new CloudDnsFailover(
      "cd",
      {
        dnsName: "dr.example.com",
        managedZoneName: "dr-zone",
        recordName: "registry",
        sites: {
          primary: { value: "harbor.dc.example.com", registry: `http://${primary.host}` },
          secondary: { value: "registry-lb.gcp.example.com", registry: "registry-lb.gcp.example.com" },
        },
        activeSite: "primary",
        clients: false,
        google: { endpoint: google.dnsEndpoint },
      },
      { provider },
    );
    return [failover, failover.record];
  });
  const record = host.resource(captured.find((resource) => resource.type.endsWith(":FailoverRecord"))!);
  await record.create(record.inputs({ zone: "dr-zone" }));
  assert.deepEqual(google.dns.record("dr-dns-project", "dr-zone", "registry.dr.example.com.", "CNAME")?.rrdatas, ["harbor.dc.example.com."]);
  assert.equal(google.dns.record("stack-project", "dr-zone", "registry.dr.example.com.", "CNAME"), undefined, "the stack's project is left alone");
});
