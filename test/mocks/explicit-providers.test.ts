import * as alicloud from "@pulumi/alicloud";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import { test } from "node:test";
import { AcrEnterpriseTarget, CloudDnsFailover, PrivateZoneFailover, RegistryDisasterRecovery } from "../../components";
import { isRegisteredSecret, valueOf } from "../support/pulumi-mocks";

/**
 * An explicit `provider`/`providers` option under mocks (the alicloud and gcp plugins cannot run
 * here): the cloud children use it, and the dynamic children, which call the APIs themselves,
 * get its credentials and region instead of the stack config's; a provider whose credentials
 * cannot be handed on, or whose region is not the component's, is refused by name.
 */

const RECORD = "pulumi-nodejs:dynamic/dns:FailoverRecord";
const NAMESPACE = "alicloud:cs/registryEnterpriseNamespace:RegistryEnterpriseNamespace";
const ACCOUNT_B = { accessKey: "LTAI5tAccountB000001", secretKey: "account-b-secret-9d2e" };
const ACCOUNT_C = { accessKey: "LTAI5tAccountC000002", secretKey: "account-c-secret-51aa" };
const KEY_JSON = JSON.stringify({ type: "service_account", project_id: "dns-project", client_email: "dns@dns-project.iam.gserviceaccount.com" });
const ACR = "myacr-registry.cn-hangzhou.cr.aliyuncs.com";
const SITES = { primary: { value: "harbor-origin.example.com", registry: "harbor.example.com" }, secondary: { value: ACR, registry: ACR } };

interface Recorded {
  resources: pulumi.runtime.MockResourceArgs[];
  errors: unknown[];
}

async function mock(): Promise<Recorded> {
  await (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs?.();
  const recorded: Recorded = { resources: [], errors: [] };
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        recorded.resources.push(args);
        const outputs = args.type === "alicloud:ram/accessKey:AccessKey" ? { secret: "ak-secret-value" } : {};
        return { id: `${args.name}-id`, state: { ...args.inputs, ...outputs } };
      },
      call: (args) => args.inputs,
    },
    "explicit-providers-test",
    "dev",
    false,
  );
  return recorded;
}

/** A registered input without the SDK's secret wrapping. */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value === null || typeof value !== "object") return value;
  const object = value as Record<string, unknown>;
  if (object["4dabf18193072939515e22adb298388d"] === "1b47061264138c4ac30d75fd1eb44270") return plain(object.value);
  return Object.fromEntries(Object.entries(object).map(([key, entry]) => [key, plain(entry)]));
}

/** The value of an Output, or the error its computation threw. */
function settle<T>(output: pulumi.Output<T>): Promise<T> {
  return (output as unknown as { promise(): Promise<T> }).promise();
}

function registered(recorded: Recorded, type: string, name?: string): pulumi.runtime.MockResourceArgs {
  const found = recorded.resources.find((resource) => resource.type === type && (name === undefined || resource.name === name));
  assert.ok(found, `${type} ${name ?? ""} is registered`);
  return found;
}

test("PrivateZoneFailover: the record calls PrivateZone with the explicit provider's account and region, as a secret; its own alicloud argument wins", async () => {
  const recorded = await mock();
  const provider = new alicloud.Provider("account-b", { ...ACCOUNT_B, secretKey: pulumi.secret(ACCOUNT_B.secretKey), region: "cn-shanghai" });
  const failover = new PrivateZoneFailover(
    "pz",
    { zoneName: "harbor.example.com", vpcs: [{ vpcId: "vpc-bbbbb" }], sites: SITES, activeSite: "primary" },
    { provider },
  );
  await valueOf(failover.record.urn);
  const record = registered(recorded, RECORD, "pz-record");
  assert.ok(isRegisteredSecret(record.inputs.alicloud), "the credentials reach the record as a secret");
  assert.deepEqual(plain(record.inputs.alicloud), { ...ACCOUNT_B, region: "cn-shanghai" });
  assert.match(registered(recorded, "alicloud:pvtz/zone:Zone").provider ?? "", /account-b/, "the zone uses the same provider");
  // The component's own alicloud argument wins over the provider's; without a provider the stack config stays the default.
  const given = new PrivateZoneFailover(
    "pz-given",
    { zoneName: "harbor.example.com", vpcs: [{ vpcId: "vpc-bbbbb" }], sites: SITES, activeSite: "primary", alicloud: ACCOUNT_C },
    { provider },
  );
  const defaulted = new PrivateZoneFailover("pz-default", {
    zoneName: "harbor.example.com",
    vpcs: [{ vpcId: "vpc-bbbbb" }],
    sites: SITES,
    activeSite: "primary",
  });
  await Promise.all([valueOf(given.record.urn), valueOf(defaulted.record.urn)]);
  assert.deepEqual(plain(registered(recorded, RECORD, "pz-given-record").inputs.alicloud), ACCOUNT_C);
  assert.equal(registered(recorded, RECORD, "pz-default-record").inputs.alicloud, undefined, "the stack config stays the default");
});

test("PrivateZoneFailover: a provider holding no key (a profile) is refused, never replaced by the stack config's account", async () => {
  const recorded = await mock();
  const refused =
    /PrivateZoneFailover pz-profile: the alicloud provider given to it holds no accessKey and secretKey.*give the provider accessKey and secretKey, or give the component alicloud: \{accessKey, secretKey\}/;
  const failures = await programFailures(async () => {
    const provider = new alicloud.Provider("profile-only", { profile: "other-account", region: "cn-shanghai" });
    const failover = new PrivateZoneFailover(
      "pz-profile",
      { zoneName: "harbor.example.com", vpcs: [{ vpcId: "vpc-bbbbb" }], sites: SITES, activeSite: "primary" },
      { provider },
    );
    await assert.rejects(settle(failover.record.urn), refused);
  });
  assert.ok(
    failures.every((failure) => refused.test(String(failure))),
    "the program fails with that message alone",
  );
  assert.equal(recorded.resources.filter((resource) => resource.type === RECORD).length, 0, "no record is registered");
});

test("CloudDnsFailover: the record takes the explicit gcp provider's project and service-account key", async () => {
  const recorded = await mock();
  const provider = new gcp.Provider("dns-account", { project: "dns-project", credentials: pulumi.secret(KEY_JSON) });
  const failover = new CloudDnsFailover(
    "cd",
    {
      dnsName: "dr.example.com",
      recordName: "registry",
      sites: { ...SITES, secondary: { value: "registry-lb.gcp.example.com", registry: "registry-lb.gcp.example.com" } },
      activeSite: "primary",
    },
    { providers: [provider] },
  );
  await valueOf(failover.record.urn);
  const record = registered(recorded, RECORD);
  assert.ok(isRegisteredSecret(record.inputs.google));
  assert.deepEqual(plain(record.inputs.google), { serviceAccountKey: KEY_JSON, project: "dns-project" });
  const refused = /CloudDnsFailover cd-file: the gcp provider given to it holds no service-account key's JSON text in credentials/;
  const failures = await programFailures(async () => {
    const keyFile = new gcp.Provider("key-file", { project: "dns-project", credentials: "/home/ops/dns-key.json" });
    const failover = new CloudDnsFailover(
      "cd-file",
      {
        dnsName: "dr.example.com",
        recordName: "registry",
        sites: { ...SITES, secondary: { value: "registry-lb.gcp.example.com", registry: "registry-lb.gcp.example.com" } },
        activeSite: "primary",
      },
      { provider: keyFile },
    );
    await assert.rejects(settle(failover.record.urn), refused);
  });
  assert.ok(
    failures.every((failure) => refused.test(String(failure))),
    "the program fails with that message alone",
  );
});

test("AcrEnterpriseTarget: a provider in another region than region is refused before anything is created", async () => {
  const recorded = await mock();
  const failures = await programFailures(async () => {
    const provider = new alicloud.Provider("shanghai", { ...ACCOUNT_B, region: "cn-shanghai" });
    const target = new AcrEnterpriseTarget(
      "acr",
      { instanceId: "cri-kmsiwlxxdcvaduwb", region: "cn-hangzhou", instanceName: "myacr", namespace: "dr" },
      { provider },
    );
    await assert.rejects(settle(target.namespace.urn), REGION_REFUSED);
  });
  assert.ok(
    failures.length > 0 && failures.every((failure) => REGION_REFUSED.test(String(failure))),
    `the program fails with the region's message alone: ${failures.length} ${failures.map(String).join(" / ").slice(0, 600)}`,
  );
  assert.equal(recorded.resources.filter((resource) => resource.type === NAMESPACE).length, 0, "no namespace is registered in the wrong region");
});

const REGION_REFUSED =
  /AcrEnterpriseTarget acr: region: expected the region of the alicloud provider its namespace is created with \(cn-shanghai\); got cn-hangzhou\. Give the component an alicloud provider in cn-hangzhou/;

/**
 * Runs `program` and collects the errors it leaves unhandled, as the Node language host would
 * report them when it fails the program (a refused input rejects every resource built on it).
 */
async function programFailures(program: () => Promise<void>): Promise<unknown[]> {
  const runnerListeners = process.listeners("unhandledRejection");
  process.removeAllListeners("unhandledRejection");
  const failures: unknown[] = [];
  const collect = (reason: unknown) => void failures.push(reason);
  process.on("unhandledRejection", collect);
  try {
    await program();
    await (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs?.().catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 200));
  } finally {
    process.off("unhandledRejection", collect);
    for (const listener of runnerListeners) process.on("unhandledRejection", listener);
  }
  return failures;
}

test("AcrEnterpriseTarget: alicloud credentials make a provider of its own in region, used by every child; not together with a provider", async () => {
  const recorded = await mock();
  const target = new AcrEnterpriseTarget("acr-own", {
    instanceId: "cri-kmsiwlxxdcvaduwb",
    region: "cn-shanghai",
    instanceName: "myacr",
    namespace: "dr",
    alicloud: ACCOUNT_B,
    createAccessKey: false,
  });
  await Promise.all([valueOf(target.namespace.urn), valueOf(target.policyAttachment.urn), valueOf(target.syncAuth)]);
  const provider = registered(recorded, "pulumi:providers:alicloud", "acr-own-account");
  assert.equal(provider.inputs.region, "cn-shanghai");
  assert.ok(isRegisteredSecret(provider.inputs.secretKey) && isRegisteredSecret(provider.inputs.accessKey));
  for (const child of recorded.resources.filter((resource) => resource.type.startsWith("alicloud:")))
    assert.match(child.provider ?? "", /acr-own-account/, `${child.type} uses the component's own provider`);
  assert.deepEqual(await valueOf(target.syncAuth), {
    "myacr-registry.cn-shanghai.cr.aliyuncs.com": {
      alicloud: { instanceId: "cri-kmsiwlxxdcvaduwb", region: "cn-shanghai", accessKeyId: ACCOUNT_B.accessKey, accessKeySecret: ACCOUNT_B.secretKey },
    },
  });
  const provider2 = new alicloud.Provider("other", { ...ACCOUNT_C, region: "cn-shanghai" });
  assert.throws(
    () =>
      new AcrEnterpriseTarget(
        "acr-both",
        { instanceId: "cri-kmsiwlxxdcvaduwb", region: "cn-shanghai", namespace: "dr", alicloud: ACCOUNT_B },
        { provider: provider2 },
      ),
    /AcrEnterpriseTarget acr-both: alicloud: expected either alicloud credentials or an alicloud provider/,
  );
});

test("RegistryDisasterRecovery: two ACR sites in different accounts and regions, each created and copied into with its own", async () => {
  const recorded = await mock();
  const site = (region: string, account: typeof ACCOUNT_B) => ({
    acrEnterprise: { instanceId: "cri-kmsiwlxxdcvaduwb", region, instanceName: `dr-${region}`, namespace: "dr", alicloud: account },
    replication: { direct: {} },
  });
  const dr = new RegistryDisasterRecovery("dr", {
    primary: { registry: "harbor.example.com" },
    protect: { repositories: ["library/nginx"] },
    sites: { hangzhou: site("cn-hangzhou", ACCOUNT_B), shanghai: site("cn-shanghai", ACCOUNT_C) },
  });
  await valueOf(dr.readiness);
  for (const [name, region, account] of [
    ["hangzhou", "cn-hangzhou", ACCOUNT_B],
    ["shanghai", "cn-shanghai", ACCOUNT_C],
  ] as const) {
    const provider = registered(recorded, "pulumi:providers:alicloud", `dr-${name}-account`);
    assert.deepEqual(plain({ region: provider.inputs.region, accessKey: provider.inputs.accessKey }), { region, accessKey: account.accessKey });
    assert.match(registered(recorded, NAMESPACE, `dr-${name}-namespace`).provider ?? "", new RegExp(`dr-${name}-account`));
  }
});

test("RegistryDisasterRecovery: an alicloud provider given to it reaches its PrivateZone record's credentials", async () => {
  const recorded = await mock();
  const provider = new alicloud.Provider("dns-account", { ...ACCOUNT_B, region: "cn-hangzhou" });
  const dr = new RegistryDisasterRecovery(
    "dr-dns",
    {
      primary: { registry: "harbor.example.com" },
      protect: { repositories: ["library/nginx"] },
      sites: { standby: { registry: { url: "https://standby.example.com", namespace: "library" }, replication: { direct: {} } } },
      failover: {
        record: { backend: "privatezone", zone: "zone-42", name: "@", type: "CNAME", ttl: 60 },
        values: { primary: "harbor-origin.example.com", standby: "standby.example.com" },
        active: "primary",
      },
    },
    { providers: { alicloud: provider } },
  );
  await valueOf(dr.activeSite);
  assert.deepEqual(plain(registered(recorded, RECORD).inputs.alicloud), { ...ACCOUNT_B, region: "cn-hangzhou" });
});
