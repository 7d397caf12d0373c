import * as alicloud from "@pulumi/alicloud";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { acrInstanceIdSchema, acrInstanceNameSchema, acrNamespaceSchema, ipv4CidrSchema, ramUserNameSchema, regionIdSchema } from "../../provider/validation";
import { acrEnterpriseHost, acrEnterpriseVpcHost } from "../../provider/clients/registry-hosts";
import { ArgumentChecks } from "../argument-checks";
import { isEventual } from "../eventual";
import { alicloudProviderRegion, explicitAlicloudProvider } from "../explicit-providers";

/**
 * AcrEnterpriseTarget: an ACR Enterprise Edition instance made ready to receive DR copies
 * (step 1 of Alibaba Cloud's Harbor-to-ACR guide; steps 1-4 of its guide to migrating images
 * into ACR Enterprise Edition with image-syncer), as one reviewed unit instead of console clicks:
 * - a namespace with "Automatically Create Repository" on and private repositories by default,
 * - a RAM user holding only the permissions a copier needs in that namespace, and its AccessKey,
 * - optionally, Internet access limited to a whitelist of CIDR blocks,
 * - outputs a copier uses directly: the endpoints and `syncAuth`, one entry of ImageSync's `auth`.
 *
 * The instance itself is referenced, not created: Enterprise instances are subscriptions.
 */

export interface AcrEnterpriseTargetArgs {
  /** The existing ACR Enterprise Edition instance, such as cri-kmsiwlxxdcvaduwb. */
  instanceId: pulumi.Input<string>;
  /** The instance's region, such as cn-hangzhou (the endpoints and the copier's token requests use it). */
  region: pulumi.Input<string>;
  /**
   * The instance's name, which the registry endpoints are built from
   * (`<instanceName>-registry.<region>.cr.aliyuncs.com`). Default: looked up by `instanceId`
   * with the alicloud provider (the instance must be in the provider's region).
   */
  instanceName?: pulumi.Input<string>;
  /** The namespace to create, usually named like the Harbor project it mirrors. */
  namespace: pulumi.Input<string>;
  /** The RAM user the copier acts as. Default `<namespace>-dr-sync`. */
  ramUserName?: pulumi.Input<string>;
  /**
   * CIDR blocks allowed to reach the instance's Internet endpoint (step 3 of Alibaba Cloud's image-syncer migration guide). When
   * given, the Internet endpoint is enabled and one ACL entry is added per block; when not,
   * Internet access is left as it is (off by default: copy over the VPC endpoint then).
   */
  internetWhitelist?: pulumi.Input<string>[];
  /** Create an AccessKey for the RAM user (default true). Without one, `syncAuth` names the `alicloud` key when given, else no key (the copier falls back to the `alicloud:*` config). */
  createAccessKey?: boolean;
  /**
   * Keep the namespace when this component is deleted (default true): deleting a namespace
   * takes its repositories and images with it, and DR copies are never deleted implicitly.
   */
  retainNamespaceOnDelete?: boolean;
  /**
   * The account the namespace, RAM user and key are created in (secret): this component then
   * makes its own alicloud provider with this key and `region`, so two instances in different
   * accounts or regions can sit in one stack. Default: the alicloud provider given to the
   * component (`provider`/`providers`), else the stack's default one; its region must be `region`.
   */
  alicloud?: AcrAccountArgs;
}

/** An Alibaba Cloud AccessKey (a RAM user's, or an STS token's with its security token). */
export interface AcrAccountArgs {
  accessKey: pulumi.Input<string>;
  secretKey: pulumi.Input<string>;
  securityToken?: pulumi.Input<string>;
}

/** ImageSync `auth` entries for an ACR Enterprise instance: the `alicloud` credential kind. */
export type AcrSyncAuth = Record<string, { alicloud: { instanceId: string; region: string; accessKeyId?: string; accessKeySecret?: string } }>;

/** What a copier may do in the namespace: create (auto-create on push), update, push and pull repositories. */
export const ACR_SYNC_ACTIONS = ["cr:CreateRepository", "cr:UpdateRepository", "cr:PushRepository", "cr:PullRepository"] as const;

/** The custom RAM policy document for a copier pushing into one namespace of one instance. */
export function acrSyncPolicyDocument(instanceId: string, namespace: string): string {
  return JSON.stringify({
    Version: "1",
    Statement: [
      {
        // The migration guide's minimal statement, scoped to the namespace's repositories on this
        // instance (ARN acs:cr:$region:$account:repository/$instanceid/$namespace/$repo).
        Effect: "Allow",
        Action: [...ACR_SYNC_ACTIONS],
        Resource: [`acs:cr:*:*:repository/${instanceId}/${namespace}/*`],
      },
      {
        // The copier logs in to the registry with temporary passwords that it exchanges
        // the RAM key for (GetAuthorizationToken), instead of a long-lived instance password.
        // The action has no resource-level authorization, so it takes "*" in its own statement.
        Effect: "Allow",
        Action: ["cr:GetAuthorizationToken"],
        Resource: ["*"],
      },
    ],
  });
}

export class AcrEnterpriseTarget extends pulumi.ComponentResource {
  /** `<instanceName>-registry.<region>.cr.aliyuncs.com`: the Internet endpoint. */
  readonly registryEndpoint: pulumi.Output<string>;
  /** `<instanceName>-registry-vpc.<region>.cr.aliyuncs.com`: reachable from VPCs linked to the instance. */
  readonly registryVpcEndpoint: pulumi.Output<string>;
  readonly namespaceName: pulumi.Output<string>;
  readonly ramUserName: pulumi.Output<string>;
  /** The RAM user's AccessKey id (secret); undefined when `createAccessKey` is false. */
  readonly accessKeyId: pulumi.Output<string | undefined>;
  /** The AccessKey secret (secret); undefined when `createAccessKey` is false. */
  readonly accessKeySecret: pulumi.Output<string | undefined>;
  /** `{ [registryEndpoint]: { alicloud: { instanceId, region, accessKeyId, accessKeySecret } } }` (secret): merge it into ImageSync's `auth`. */
  readonly syncAuth: pulumi.Output<AcrSyncAuth>;

  readonly namespace: alicloud.cs.RegistryEnterpriseNamespace;
  readonly user: alicloud.ram.User;
  readonly policy: alicloud.ram.Policy;
  readonly policyAttachment: alicloud.ram.UserPolicyAttachment;
  readonly accessKey?: alicloud.ram.AccessKey;
  readonly internetAcl: alicloud.cr.EndpointAclPolicy[];

  constructor(name: string, args: AcrEnterpriseTargetArgs, opts?: pulumi.ComponentResourceOptions) {
    // Before super: bad arguments fail the program without registering a half-built component.
    const whitelist = validateArgs(name, args);
    super("registry-dr:alicloud:AcrEnterpriseTarget", name, {}, opts);
    const account = this.accountProvider(name, args);
    const regionChecked = this.checkedRegion(name, args, account);

    const ramUserName = args.ramUserName ?? pulumi.output(args.namespace).apply((namespace) => `${namespace}-dr-sync`);

    this.namespace = new alicloud.cs.RegistryEnterpriseNamespace(
      `${name}-namespace`,
      {
        // Waits for the region check: a namespace in another region than `region` is refused before anything is created.
        instanceId: pulumi.all([args.instanceId, regionChecked]).apply(([instanceId]) => instanceId),
        name: args.namespace,
        autoCreate: true,
        defaultVisibility: "PRIVATE",
      },
      { parent: this, provider: account, retainOnDelete: args.retainNamespaceOnDelete ?? true },
    );

    this.user = new alicloud.ram.User(
      `${name}-user`,
      {
        name: ramUserName,
        // RAM takes comments of at most 128 characters.
        comments: pulumi.interpolate`registry-dr: DR copies into ACR ${args.instanceId} namespace ${args.namespace}`.apply((text) => text.slice(0, 128)),
      },
      { parent: this, provider: account },
    );

    this.policy = new alicloud.ram.Policy(
      `${name}-policy`,
      {
        policyName: this.user.name.apply(policyNameFor),
        policyDocument: pulumi.all([args.instanceId, this.namespace.name]).apply(([instanceId, namespace]) => acrSyncPolicyDocument(instanceId, namespace)),
        description: pulumi.interpolate`registry-dr: push DR copies into ACR ${args.instanceId} namespace ${args.namespace}`,
      },
      { parent: this, provider: account },
    );

    this.policyAttachment = new alicloud.ram.UserPolicyAttachment(
      `${name}-policy-attachment`,
      { userName: this.user.name, policyName: this.policy.policyName, policyType: "Custom" },
      { parent: this, provider: account },
    );

    // After the attachment: whoever receives the key gets one that already has its permissions.
    this.accessKey =
      args.createAccessKey === false
        ? undefined
        : new alicloud.ram.AccessKey(
            `${name}-access-key`,
            { userName: this.user.name },
            { parent: this, provider: account, dependsOn: [this.policyAttachment] },
          );

    this.internetAcl = [];
    if (whitelist.length > 0) {
      // The migration guide's step 3: Internet access is off by default; enable it, then whitelist each block.
      // @pulumi/alicloud enables it through a data source (cr.getEndpointAclService with
      // enable: true), which acts when it is read. It is read only during `pulumi up`, so a
      // preview changes nothing; `pulumi destroy` removes the whitelist entries and leaves the
      // endpoint enabled (other clients of the instance may rely on it). cr.InternetEndpoint is
      // not used: it owns the endpoint's whole ACL and would fight these per-block entries.
      const aclInstanceId = pulumi.runtime.isDryRun()
        ? pulumi.output(args.instanceId)
        : alicloud.cr.getEndpointAclServiceOutput(
            { enable: true, endpointType: "internet", instanceId: args.instanceId, moduleName: "Registry" },
            { parent: this, provider: account },
          ).instanceId;
      whitelist.forEach((cidr, index) => {
        const suffix = typeof cidr === "string" ? cidr.replace(/[./]/g, "-") : String(index);
        this.internetAcl.push(
          new alicloud.cr.EndpointAclPolicy(
            `${name}-internet-acl-${suffix}`,
            { instanceId: aclInstanceId, entry: cidr, endpointType: "internet", moduleName: "Registry", description: `registry-dr ${name}` },
            { parent: this, provider: account },
          ),
        );
      });
    }

    const instanceName = args.instanceName !== undefined ? pulumi.output(args.instanceName) : this.lookUpInstanceName(name, args, account);
    this.registryEndpoint = pulumi.all([instanceName, args.region]).apply(([instance, region]) => acrEnterpriseHost(instance, region));
    this.registryVpcEndpoint = pulumi.all([instanceName, args.region]).apply(([instance, region]) => acrEnterpriseVpcHost(instance, region));
    this.namespaceName = this.namespace.name;
    this.ramUserName = this.user.name;
    this.accessKeyId = pulumi.secret(this.accessKey ? this.accessKey.id : pulumi.output<string | undefined>(undefined));
    this.accessKeySecret = pulumi.secret(this.accessKey ? this.accessKey.secret : pulumi.output<string | undefined>(undefined));
    // Without a created key, the copier logs in with the site's own account when one was given (not the stack's).
    const copierKeyId = this.accessKey ? this.accessKeyId : pulumi.secret(pulumi.output(args.alicloud?.accessKey));
    const copierKeySecret = this.accessKey ? this.accessKeySecret : pulumi.secret(pulumi.output(args.alicloud?.secretKey));
    this.syncAuth = pulumi.secret(
      pulumi
        .all([this.registryEndpoint, args.instanceId, args.region, copierKeyId, copierKeySecret])
        .apply(([endpoint, instanceId, region, accessKeyId, accessKeySecret]) => ({
          [endpoint]: { alicloud: { instanceId, region, ...(accessKeyId && accessKeySecret ? { accessKeyId, accessKeySecret } : {}) } },
        })),
    );

    this.registerOutputs({
      registryEndpoint: this.registryEndpoint,
      registryVpcEndpoint: this.registryVpcEndpoint,
      namespaceName: this.namespaceName,
      ramUserName: this.ramUserName,
      accessKeyId: this.accessKeyId,
      accessKeySecret: this.accessKeySecret,
      syncAuth: this.syncAuth,
    });
  }

  /** With `alicloud` given: a provider of the component's own, in that account and in `region`; else undefined (the children use the given or default provider). */
  private accountProvider(name: string, args: AcrEnterpriseTargetArgs): alicloud.Provider | undefined {
    if (args.alicloud === undefined) return undefined;
    if (explicitAlicloudProvider(this))
      throw new Error(
        `AcrEnterpriseTarget ${name}: alicloud: expected either alicloud credentials or an alicloud provider (provider/providers option), not both: they would name two accounts`,
      );
    const { accessKey, secretKey, securityToken } = args.alicloud;
    return new alicloud.Provider(
      `${name}-account`,
      {
        region: args.region,
        accessKey: pulumi.secret(accessKey),
        secretKey: pulumi.secret(secretKey),
        securityToken: securityToken === undefined ? undefined : pulumi.secret(securityToken),
      },
      { parent: this },
    );
  }

  /**
   * `region`, once it matches the region the children are created in (the provider's): a
   * namespace created in another region than the endpoints and the copier's token requests name
   * would be a namespace nobody copies into. A provider without a region is left to its defaults.
   */
  private checkedRegion(name: string, args: AcrEnterpriseTargetArgs, account: alicloud.Provider | undefined): pulumi.Output<string> {
    const providerRegion = account ? pulumi.output(args.region) : alicloudProviderRegion(this);
    return pulumi.all([args.region, providerRegion]).apply(([region, created]) => {
      if (created && created !== region) {
        throw new Error(
          `AcrEnterpriseTarget ${name}: region: expected the region of the alicloud provider its namespace is created with (${created}); got ${region}. Give the component an alicloud provider in ${region} (provider option), or alicloud: {accessKey, secretKey} to have it make one`,
        );
      }
      return region;
    });
  }

  /** The instance's name from the Enterprise instances data source (no token: enableDetails false). */
  private lookUpInstanceName(name: string, args: AcrEnterpriseTargetArgs, account: alicloud.Provider | undefined): pulumi.Output<string> {
    const found = alicloud.cs.getRegistryEnterpriseInstancesOutput({ ids: [args.instanceId], enableDetails: false }, { parent: this, provider: account });
    return pulumi.all([found, args.instanceId, args.region]).apply(([result, instanceId, region]) => {
      const instance = (result.instances ?? []).find((candidate) => candidate.id === instanceId);
      if (!instance) {
        throw new Error(
          `AcrEnterpriseTarget ${name}: instanceId: no ACR Enterprise Edition instance ${instanceId} in the alicloud provider's region; give instanceName, or set alicloud:region to the instance's region`,
        );
      }
      if (instance.region && instance.region !== region) {
        throw new Error(`AcrEnterpriseTarget ${name}: region: instance ${instanceId} is in ${instance.region}, not ${region}`);
      }
      return instance.name;
    });
  }
}

/** RAM policy names take letters, digits and hyphens (1-128). */
function policyNameFor(userName: string): string {
  return `${userName.replace(/[^A-Za-z0-9-]/g, "-")}-acr-push`.slice(-128).replace(/^-+/, "");
}

/** Checks the arguments known at construction time with the providers' schemas; returns the whitelist. */
function validateArgs(name: string, args: AcrEnterpriseTargetArgs): pulumi.Input<string>[] {
  if (args === undefined || args === null || typeof args !== "object")
    throw new Error(`AcrEnterpriseTarget ${name}: expected args {instanceId, region, namespace, ...}`);
  const check = new ArgumentChecks("AcrEnterpriseTarget", name);
  check.schema("instanceId", args.instanceId, acrInstanceIdSchema(), true);
  check.schema("region", args.region, regionIdSchema(), true);
  check.schema("instanceName", args.instanceName, acrInstanceNameSchema());
  check.schema("namespace", args.namespace, acrNamespaceSchema(), true);
  check.schema("ramUserName", args.ramUserName, ramUserNameSchema());
  if (args.ramUserName === undefined && typeof args.namespace === "string" && !ramUserNameSchema().safeParse(`${args.namespace}-dr-sync`).success) {
    check.fail(
      "ramUserName",
      `expected a RAM user name of at most 64 characters: the default "${args.namespace}-dr-sync" is too long for this namespace, give ramUserName`,
      args.ramUserName,
    );
  }
  check.schema("createAccessKey", args.createAccessKey, trueOrFalse());
  check.schema("retainNamespaceOnDelete", args.retainNamespaceOnDelete, trueOrFalse());

  const whitelist = args.internetWhitelist ?? [];
  if (!Array.isArray(whitelist)) check.fail("internetWhitelist", 'expected a list of CIDR blocks, such as ["203.0.113.0/24"]', whitelist);
  const seen = new Set<unknown>();
  whitelist.forEach((cidr, index) => {
    check.schema(`internetWhitelist[${index}]`, cidr, ipv4CidrSchema(), true);
    if (isEventual(cidr)) return;
    if (seen.has(cidr)) check.fail(`internetWhitelist[${index}]`, "expected each CIDR block once", cidr);
    seen.add(cidr);
  });
  return whitelist;
}

const trueOrFalse = () => z.boolean({ error: "expected true or false" });
