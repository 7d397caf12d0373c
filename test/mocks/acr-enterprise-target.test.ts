import * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import { test } from "node:test";
import { AcrEnterpriseTarget, AcrEnterpriseTargetArgs } from "../../components";
import { valueOf } from "../support/pulumi-mocks";

/** AcrEnterpriseTarget's resource graph under mocks: step 1 of Alibaba Cloud's Harbor-to-ACR guide and steps 1-4 of its image-syncer-to-ACR-EE guide. */

const COMPONENT = "registry-dr:alicloud:AcrEnterpriseTarget";
const BASE: AcrEnterpriseTargetArgs = { instanceId: "cri-kmsiwlxxdcvaduwb", region: "cn-hangzhou", instanceName: "myacr", namespace: "test-project" };

interface Recorded {
  resources: pulumi.runtime.MockResourceArgs[];
  /** "request <name>" and "answer <name>" in the order the mock monitor saw them. */
  events: string[];
  calls: pulumi.runtime.MockCallArgs[];
}

/** Mocks that record registrations and invokes; invokes answer with `answer` (default: their inputs). */
async function mock(
  options: { preview?: boolean; answer?: (call: pulumi.runtime.MockCallArgs) => Record<string, unknown>; delayMs?: Record<string, number> } = {},
): Promise<Recorded> {
  const recorded: Recorded = { resources: [], events: [], calls: [] };
  await drained();
  await pulumi.runtime.setMocks(
    {
      newResource: async (args) => {
        recorded.resources.push(args);
        recorded.events.push(`request ${args.name}`);
        const delay = options.delayMs?.[args.type];
        if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
        recorded.events.push(`answer ${args.name}`);
        const outputs = args.type === "alicloud:ram/accessKey:AccessKey" ? { secret: "ak-secret-value", status: "Active" } : {};
        return { id: `${args.name}-id`, state: { ...args.inputs, ...outputs } };
      },
      call: (args) => {
        recorded.calls.push(args);
        return options.answer ? options.answer(args) : args.inputs;
      },
    },
    "acr-target-test",
    "dev",
    options.preview ?? false,
  );
  return recorded;
}

/**
 * Waits for the previous test's last RPCs (a component's registerOutputs) to reach the mock
 * monitor they were meant for, before a new one replaces it.
 */
async function drained(): Promise<void> {
  await (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs?.();
}

/** Waits until every child of the component is registered. */
async function settled(target: AcrEnterpriseTarget): Promise<void> {
  const children = [
    target.namespace,
    target.user,
    target.policy,
    target.policyAttachment,
    ...(target.accessKey ? [target.accessKey] : []),
    ...target.internetAcl,
  ];
  await Promise.all(children.map((child) => valueOf(child.urn)));
  await valueOf(target.syncAuth);
}

function byType(recorded: Recorded, type: string) {
  return recorded.resources.filter((r) => r.type === type);
}

test("namespace (auto-create, private), RAM user, minimal custom policy attached, AccessKey: all children of the component", async () => {
  const recorded = await mock();
  const target = new AcrEnterpriseTarget("dr", BASE);
  await settled(target);

  assert.deepEqual(recorded.resources.map((r) => [r.type, r.name]).sort(), [
    ["alicloud:cs/registryEnterpriseNamespace:RegistryEnterpriseNamespace", "dr-namespace"],
    ["alicloud:ram/accessKey:AccessKey", "dr-access-key"],
    ["alicloud:ram/policy:Policy", "dr-policy"],
    ["alicloud:ram/user:User", "dr-user"],
    ["alicloud:ram/userPolicyAttachment:UserPolicyAttachment", "dr-policy-attachment"],
    [COMPONENT, "dr"],
  ]);

  const [namespace] = byType(recorded, "alicloud:cs/registryEnterpriseNamespace:RegistryEnterpriseNamespace");
  assert.deepEqual(
    [namespace.inputs.instanceId, namespace.inputs.name, namespace.inputs.autoCreate, namespace.inputs.defaultVisibility],
    ["cri-kmsiwlxxdcvaduwb", "test-project", true, "PRIVATE"],
  );

  const [user] = byType(recorded, "alicloud:ram/user:User");
  assert.equal(user.inputs.name, "test-project-dr-sync", "the default RAM user name is <namespace>-dr-sync");
  assert.ok(user.inputs.comments.length <= 128);

  const [policy] = byType(recorded, "alicloud:ram/policy:Policy");
  assert.equal(policy.inputs.policyName, "test-project-dr-sync-acr-push");
  assert.match(policy.inputs.policyName, /^[A-Za-z0-9-]{1,128}$/);
  const document = JSON.parse(policy.inputs.policyDocument);
  assert.equal(document.Version, "1");
  assert.deepEqual(document.Statement, [
    {
      Effect: "Allow",
      Action: ["cr:CreateRepository", "cr:UpdateRepository", "cr:PushRepository", "cr:PullRepository"],
      Resource: ["acs:cr:*:*:repository/cri-kmsiwlxxdcvaduwb/test-project/*"],
    },
    { Effect: "Allow", Action: ["cr:GetAuthorizationToken"], Resource: ["*"] },
  ]);
  assert.ok(Buffer.byteLength(policy.inputs.policyDocument) <= 6144);

  const [attachment] = byType(recorded, "alicloud:ram/userPolicyAttachment:UserPolicyAttachment");
  assert.deepEqual(attachment.inputs, { userName: "test-project-dr-sync", policyName: "test-project-dr-sync-acr-push", policyType: "Custom" });
  const [accessKey] = byType(recorded, "alicloud:ram/accessKey:AccessKey");
  assert.equal(accessKey.inputs.userName, "test-project-dr-sync");

  // Parents: a child's URN carries its parent's type.
  for (const child of [target.namespace, target.user, target.policy, target.policyAttachment, target.accessKey!]) {
    const urn = await valueOf(child.urn);
    assert.ok(urn.includes(`::${COMPONENT}$alicloud:`), `${urn} is a child of the component`);
  }

  assert.equal(await valueOf(target.registryEndpoint), "myacr-registry.cn-hangzhou.cr.aliyuncs.com");
  assert.equal(await valueOf(target.registryVpcEndpoint), "myacr-registry-vpc.cn-hangzhou.cr.aliyuncs.com");
  assert.equal(await valueOf(target.namespaceName), "test-project");
  assert.equal(await valueOf(target.ramUserName), "test-project-dr-sync");
  assert.equal(await valueOf(target.accessKeyId), "dr-access-key-id");
  assert.equal(await valueOf(target.accessKeySecret), "ak-secret-value");
  assert.deepEqual(await valueOf(target.syncAuth), {
    "myacr-registry.cn-hangzhou.cr.aliyuncs.com": {
      alicloud: { instanceId: "cri-kmsiwlxxdcvaduwb", region: "cn-hangzhou", accessKeyId: "dr-access-key-id", accessKeySecret: "ak-secret-value" },
    },
  });
  assert.equal(recorded.calls.length, 0, "no lookup or Internet enabling without instanceName missing or a whitelist");
});

test("the AccessKey is created only once its policy is attached (dependsOn)", async () => {
  const recorded = await mock({ delayMs: { "alicloud:ram/userPolicyAttachment:UserPolicyAttachment": 150 } });
  const target = new AcrEnterpriseTarget("ordered", BASE);
  await settled(target);
  const keyRequested = recorded.events.indexOf("request ordered-access-key");
  const attached = recorded.events.indexOf("answer ordered-policy-attachment");
  assert.ok(attached >= 0 && keyRequested > attached, recorded.events.join(", "));
});

test("the credential outputs are secrets; the endpoints and names are not", async () => {
  await mock();
  const target = new AcrEnterpriseTarget("dr", BASE);
  await settled(target);
  assert.equal(await pulumi.isSecret(target.accessKeyId), true);
  assert.equal(await pulumi.isSecret(target.accessKeySecret), true);
  assert.equal(await pulumi.isSecret(target.syncAuth), true);
  assert.equal(await pulumi.isSecret(target.registryEndpoint), false);
  assert.equal(await pulumi.isSecret(target.ramUserName), false);
});

test("syncAuth is one valid entry of ImageSync's auth map (the alicloud kind)", async () => {
  const { authMapSchema } = await import("../../provider/sync");
  await mock();
  const target = new AcrEnterpriseTarget("dr", BASE);
  const auth = await valueOf(target.syncAuth);
  const parsed = authMapSchema().safeParse(auth);
  assert.ok(parsed.success, JSON.stringify(parsed.error?.issues));
});

test("an Internet whitelist enables the Internet endpoint and adds one ACL entry per CIDR block", async () => {
  const recorded = await mock();
  const target = new AcrEnterpriseTarget("dr", { ...BASE, internetWhitelist: ["203.0.113.0/24", "198.51.100.7/32"] });
  await settled(target);
  assert.deepEqual(
    recorded.calls.map((c) => [c.token, c.inputs]),
    [
      [
        "alicloud:cr/getEndpointAclService:getEndpointAclService",
        { enable: true, endpointType: "internet", instanceId: "cri-kmsiwlxxdcvaduwb", moduleName: "Registry" },
      ],
    ],
  );
  const acl = byType(recorded, "alicloud:cr/endpointAclPolicy:EndpointAclPolicy");
  assert.deepEqual(
    acl.map((r) => [r.name, r.inputs.instanceId, r.inputs.entry, r.inputs.endpointType, r.inputs.moduleName]),
    [
      ["dr-internet-acl-203-0-113-0-24", "cri-kmsiwlxxdcvaduwb", "203.0.113.0/24", "internet", "Registry"],
      ["dr-internet-acl-198-51-100-7-32", "cri-kmsiwlxxdcvaduwb", "198.51.100.7/32", "internet", "Registry"],
    ],
  );
  for (const entry of target.internetAcl) assert.ok((await valueOf(entry.urn)).includes(`::${COMPONENT}$alicloud:cr/endpointAclPolicy`));
});

test("a preview adds the ACL entries but does not read the enabling data source (a preview changes nothing)", async () => {
  const recorded = await mock({ preview: true });
  const target = new AcrEnterpriseTarget("dr", { ...BASE, internetWhitelist: ["203.0.113.0/24"] });
  await Promise.all([...target.internetAcl, target.policy].map((child) => valueOf(child.urn)));
  assert.deepEqual(recorded.calls, []);
  const acl = byType(recorded, "alicloud:cr/endpointAclPolicy:EndpointAclPolicy");
  assert.deepEqual(
    acl.map((r) => [r.inputs.instanceId, r.inputs.entry]),
    [["cri-kmsiwlxxdcvaduwb", "203.0.113.0/24"]],
  );
});

test("without a whitelist Internet access is left alone; without createAccessKey no key and syncAuth names none", async () => {
  const recorded = await mock();
  const target = new AcrEnterpriseTarget("dr", { ...BASE, internetWhitelist: [], createAccessKey: false, ramUserName: "acr.pusher_1" });
  await settled(target);
  assert.equal(target.accessKey, undefined);
  assert.deepEqual(byType(recorded, "alicloud:ram/accessKey:AccessKey"), []);
  assert.deepEqual(byType(recorded, "alicloud:cr/endpointAclPolicy:EndpointAclPolicy"), []);
  assert.deepEqual(recorded.calls, []);
  assert.equal(byType(recorded, "alicloud:ram/user:User")[0].inputs.name, "acr.pusher_1");
  assert.equal(
    byType(recorded, "alicloud:ram/policy:Policy")[0].inputs.policyName,
    "acr-pusher-1-acr-push",
    "policy names take letters, digits and hyphens only",
  );
  assert.equal(await valueOf(target.accessKeyId), undefined);
  assert.deepEqual(await valueOf(target.syncAuth), {
    "myacr-registry.cn-hangzhou.cr.aliyuncs.com": { alicloud: { instanceId: "cri-kmsiwlxxdcvaduwb", region: "cn-hangzhou" } },
  });
  assert.equal(await pulumi.isSecret(target.syncAuth), true);
});

test("without instanceName, the endpoints come from the Enterprise instances data source (no token requested)", async () => {
  const recorded = await mock({
    answer: (call) =>
      call.token === "alicloud:cs/getRegistryEnterpriseInstances:getRegistryEnterpriseInstances"
        ? {
            id: "x",
            ids: ["cri-kmsiwlxxdcvaduwb"],
            names: ["found-acr"],
            instances: [{ id: "cri-kmsiwlxxdcvaduwb", name: "found-acr", region: "cn-hangzhou", publicEndpoints: [], vpcEndpoints: [] }],
          }
        : call.inputs,
  });
  const { instanceName: _omitted, ...withoutName } = BASE;
  const target = new AcrEnterpriseTarget("dr", withoutName);
  assert.equal(await valueOf(target.registryEndpoint), "found-acr-registry.cn-hangzhou.cr.aliyuncs.com");
  assert.equal(await valueOf(target.registryVpcEndpoint), "found-acr-registry-vpc.cn-hangzhou.cr.aliyuncs.com");
  assert.deepEqual(
    recorded.calls.map((c) => [c.token, c.inputs]),
    [["alicloud:cs/getRegistryEnterpriseInstances:getRegistryEnterpriseInstances", { ids: ["cri-kmsiwlxxdcvaduwb"], enableDetails: false }]],
  );
});

test("bad plain arguments fail at construction, naming the argument and what is expected", async () => {
  const recorded = await mock();
  const cases: [Partial<AcrEnterpriseTargetArgs>, RegExp][] = [
    [{ namespace: "" }, /AcrEnterpriseTarget bad: namespace: expected a namespace name of 2-120 lowercase/],
    [{ namespace: "Test-Project" }, /namespace: expected/],
    [{ namespace: "-edge" }, /namespace: expected/],
    [{ namespace: undefined }, /namespace: expected/],
    [{ instanceId: "i-123" }, /instanceId: expected an ACR Enterprise Edition instance id, such as cri-/],
    [{ region: "Hangzhou" }, /region: expected a region id/],
    [{ ramUserName: "-starts-with-hyphen" }, /ramUserName: expected a RAM user name of 1-64/],
    [{ ramUserName: "has space" }, /ramUserName: expected/],
    [{ namespace: "n".repeat(60) }, /ramUserName: expected a RAM user name of at most 64 characters: the default .* give ramUserName/],
    [{ internetWhitelist: ["203.0.113.0"] }, /internetWhitelist\[0\]: expected an IPv4 CIDR block such as 203\.0\.113\.0\/24/],
    [{ internetWhitelist: ["10.0.0.0/8", "300.1.1.1/32"] }, /internetWhitelist\[1\]: expected an IPv4 CIDR block.*got "300\.1\.1\.1\/32"/],
    [{ internetWhitelist: ["10.0.0.0/33"] }, /internetWhitelist\[0\]/],
    [{ internetWhitelist: ["10.0.0.0/8", "10.0.0.0/8"] }, /internetWhitelist\[1\]: expected each CIDR block once/],
    [{ createAccessKey: "yes" as unknown as boolean }, /createAccessKey: expected true or false/],
  ];
  for (const [override, message] of cases) {
    assert.throws(() => new AcrEnterpriseTarget("bad", { ...BASE, ...override } as AcrEnterpriseTargetArgs), message, JSON.stringify(override));
  }
  assert.deepEqual(recorded.resources, [], "nothing is registered for rejected arguments");
});

test("unknown (Output) arguments are not validated at construction", async () => {
  await mock();
  const target = new AcrEnterpriseTarget("eventual", { ...BASE, namespace: pulumi.output("later-ns"), internetWhitelist: [pulumi.output("10.1.0.0/16")] });
  await settled(target);
  assert.equal(await valueOf(target.ramUserName), "later-ns-dr-sync");
  assert.equal(target.internetAcl.length, 1);
});
