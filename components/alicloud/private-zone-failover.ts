import * as alicloud from "@pulumi/alicloud";
import * as pulumi from "@pulumi/pulumi";
import { isEventual } from "../eventual";
import { FailoverRecord, PRIVATEZONE_TTLS, isHostName, type AlicloudCredentialsArgs, type FailoverPreflight, type FailoverRecordArgs, type FailoverSiteArgs } from "../../provider/resources";

/**
 * PrivateZoneFailover: seed 000's solution 1 as one component. The registry's host name
 * (Harbor's, such as harbor.example.com) becomes a PrivateZone zone bound to the VPCs whose
 * workloads pull images; its record is a CNAME to Harbor while `activeSite` is "primary", and
 * to the ACR Enterprise endpoint when it is "secondary". Changing `activeSite` flips the
 * record in place, after a preflight shows the standby registry holds the readiness images.
 */

export interface PrivateZoneVpcArgs {
  vpcId: pulumi.Input<string>;
  /** The VPC's region; default: the alicloud provider's region. */
  regionId?: pulumi.Input<string>;
}

export interface PrivateZoneFailoverArgs {
  /** The registry host name clients pull from (the zone's name), such as harbor.example.com. */
  zoneName: pulumi.Input<string>;
  /**
   * The VPCs that resolve names through this zone: where the clients of Harbor run.
   * This component owns the zone's WHOLE VPC set (pvtz.ZoneAttachment replaces the binding
   * list): a VPC bound to the zone outside this list, in the console or by another program,
   * is unbound by the next `pulumi up`.
   */
  vpcs: PrivateZoneVpcArgs[];
  /** The record's RR in the zone: "@" (default) for the zone's own name, or a label. */
  recordName?: pulumi.Input<string>;
  /** Seconds: 5, 30, 60 (default), 3600, 43200 or 86400. NORMAL_ZONE answers are cached this long after a flip. */
  ttl?: pulumi.Input<number>;
  /** primary: Harbor (the CNAME target and the registry to probe); secondary: the ACR Enterprise endpoint. */
  sites: { primary: pulumi.Input<FailoverSiteArgs>; secondary: pulumi.Input<FailoverSiteArgs> };
  /** The site the record points at. Change it and run `pulumi up` to fail over or back. */
  activeSite: pulumi.Input<"primary" | "secondary">;
  /** Images the site switched to must hold with the source's digest (ImageSync's `auth` and `images`); stored as a secret. */
  readiness?: FailoverRecordArgs["readiness"];
  /** Flip even when the preflight finds the site not ready. */
  force?: pulumi.Input<boolean>;
  /** NORMAL_ZONE (resolvers cache answers for the TTL) or FAST_ZONE (not cached). Default: the account's default. */
  dnsGroup?: pulumi.Input<"NORMAL_ZONE" | "FAST_ZONE">;
  /** Credentials for the record's PrivateZone API calls; default: the `alicloud:*` stack config, then ALICLOUD_* variables. */
  alicloud?: pulumi.Input<AlicloudCredentialsArgs>;
}

export class PrivateZoneFailover extends pulumi.ComponentResource {
  readonly zoneId: pulumi.Output<string>;
  readonly recordId: pulumi.Output<string>;
  /** The value the record holds now. */
  readonly activeTarget: pulumi.Output<string>;
  /** The value before the last flip ("" when it never flipped). */
  readonly previousTarget: pulumi.Output<string>;
  /** When the record last changed value (ISO 8601). */
  readonly switchedAt: pulumi.Output<string>;
  /** What the last preflight found at the site switched to. */
  readonly preflight: pulumi.Output<FailoverPreflight>;

  readonly zone: alicloud.pvtz.Zone;
  readonly attachment: alicloud.pvtz.ZoneAttachment;
  readonly record: FailoverRecord;

  constructor(name: string, args: PrivateZoneFailoverArgs, opts?: pulumi.ComponentResourceOptions) {
    // Before super: bad arguments fail the program without registering a half-built component.
    validateArgs(name, args);
    super("registry-dr:alicloud:PrivateZoneFailover", name, {}, opts);

    this.zone = new alicloud.pvtz.Zone(`${name}-zone`, { zoneName: args.zoneName, dnsGroup: args.dnsGroup }, { parent: this });

    // Owns the zone's whole VPC set: see `vpcs`.
    this.attachment = new alicloud.pvtz.ZoneAttachment(`${name}-attachment`, { zoneId: this.zone.id, vpcs: args.vpcs }, { parent: this });

    // After the attachment: a flip counts once the VPCs resolve through the zone, and on
    // destroy the record goes before the bindings and the zone.
    this.record = new FailoverRecord(
      `${name}-record`,
      {
        backend: "privatezone",
        zone: this.zone.id,
        name: args.recordName ?? "@",
        type: "CNAME",
        ttl: args.ttl ?? 60,
        sites: args.sites,
        active: args.activeSite,
        readiness: args.readiness,
        force: args.force,
        alicloud: args.alicloud,
      },
      { parent: this, dependsOn: [this.attachment] },
    );

    this.zoneId = this.zone.id;
    this.recordId = this.record.recordId;
    this.activeTarget = this.record.activeTarget;
    this.previousTarget = this.record.previousTarget;
    this.switchedAt = this.record.switchedAt;
    this.preflight = this.record.preflight;

    this.registerOutputs({
      zoneId: this.zoneId,
      recordId: this.recordId,
      activeTarget: this.activeTarget,
      previousTarget: this.previousTarget,
      switchedAt: this.switchedAt,
      preflight: this.preflight,
    });
  }
}

const RECORD_NAME = /^(@|\*|(\*\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*)$/i;
const VPC_ID = /^vpc-[a-z0-9]+$/;
const REGION = /^[a-z]{2}-[a-z0-9-]+$/;

/** Checks the arguments known at construction time; the FailoverRecord provider checks the rest at `check`. */
function validateArgs(name: string, args: PrivateZoneFailoverArgs): void {
  const fail = (argument: string, expected: string, got: unknown): never => {
    throw new Error(`PrivateZoneFailover ${name}: ${argument}: expected ${expected}; got ${JSON.stringify(got)}`);
  };
  const known = (value: unknown) => value !== undefined && !isEventual(value);
  if (args === undefined || args === null || typeof args !== "object") throw new Error(`PrivateZoneFailover ${name}: expected args {zoneName, vpcs, sites, activeSite, ...}`);

  if (args.zoneName === undefined || (known(args.zoneName) && (typeof args.zoneName !== "string" || !isHostName(args.zoneName)))) {
    fail("zoneName", "the registry host name the zone answers for, such as harbor.example.com", args.zoneName);
  }

  if (!Array.isArray(args.vpcs) || args.vpcs.length === 0) fail("vpcs", "a non-empty list of {vpcId, regionId?}: the VPCs whose clients pull through this name", args.vpcs);
  const seen = new Set<string>();
  args.vpcs.forEach((vpc, index) => {
    if (isEventual(vpc)) return;
    if (vpc === null || typeof vpc !== "object") fail(`vpcs[${index}]`, "{vpcId, regionId?}", vpc);
    if (vpc.vpcId === undefined || (known(vpc.vpcId) && (typeof vpc.vpcId !== "string" || !VPC_ID.test(vpc.vpcId)))) fail(`vpcs[${index}].vpcId`, "a VPC id, such as vpc-bp1abcdefg", vpc.vpcId);
    if (known(vpc.regionId) && (typeof vpc.regionId !== "string" || !REGION.test(vpc.regionId))) fail(`vpcs[${index}].regionId`, "a region id, such as cn-zhangjiakou", vpc.regionId);
    if (typeof vpc.vpcId === "string") {
      if (seen.has(vpc.vpcId)) fail(`vpcs[${index}].vpcId`, "each VPC once", vpc.vpcId);
      seen.add(vpc.vpcId);
    }
  });

  if (known(args.recordName) && (typeof args.recordName !== "string" || !RECORD_NAME.test(args.recordName))) {
    fail("recordName", 'the record\'s RR within the zone: "@" for the zone\'s own name, or a label such as "registry"', args.recordName);
  }
  if (known(args.ttl) && !PRIVATEZONE_TTLS.includes(args.ttl as number)) fail("ttl", `one of ${PRIVATEZONE_TTLS.join(", ")} seconds (PrivateZone's choices)`, args.ttl);
  if (args.activeSite === undefined || (known(args.activeSite) && args.activeSite !== "primary" && args.activeSite !== "secondary")) {
    fail("activeSite", '"primary" or "secondary": the site in `sites` the record points at', args.activeSite);
  }
  if (known(args.dnsGroup) && args.dnsGroup !== "NORMAL_ZONE" && args.dnsGroup !== "FAST_ZONE") fail("dnsGroup", '"NORMAL_ZONE" or "FAST_ZONE"', args.dnsGroup);
  if (known(args.force) && typeof args.force !== "boolean") fail("force", "true or false", args.force);

  if (args.sites === null || typeof args.sites !== "object") fail("sites", "{primary: {value, registry, insecure?}, secondary: {...}}", args.sites);
  for (const site of ["primary", "secondary"] as const) {
    const given = args.sites[site];
    if (given === undefined || given === null) fail(`sites.${site}`, "{value, registry, insecure?}", given);
    if (isEventual(given)) continue;
    const { value, registry } = given as FailoverSiteArgs;
    if (value === undefined || (known(value) && (typeof value !== "string" || !isHostName(value)))) {
      fail(`sites.${site}.value`, "the host name the CNAME points at while this site is active, such as xxx-registry.cn-hangzhou.cr.aliyuncs.com", value);
    }
    if (registry === undefined || (known(registry) && (typeof registry !== "string" || registry.length === 0))) {
      fail(`sites.${site}.registry`, "the site's registry to probe, such as harbor.example.com or https://xxx-registry.cn-hangzhou.cr.aliyuncs.com", registry);
    }
  }
  const primaryValue = isEventual(args.sites.primary) ? undefined : (args.sites.primary as FailoverSiteArgs).value;
  const secondaryValue = isEventual(args.sites.secondary) ? undefined : (args.sites.secondary as FailoverSiteArgs).value;
  if (typeof primaryValue === "string" && primaryValue === secondaryValue) fail("sites.secondary.value", "a value other than the primary's: a flip would change nothing", secondaryValue);
  for (const [site, value] of [["primary", primaryValue], ["secondary", secondaryValue]] as const) {
    // The record is the zone's name (with "@"): pointing it at itself would be a CNAME loop.
    if (typeof value === "string" && typeof args.zoneName === "string" && (args.recordName ?? "@") === "@" && value.toLowerCase().replace(/\.$/, "") === args.zoneName.toLowerCase()) {
      fail(`sites.${site}.value`, `the site's own host name, not the zone's name ${args.zoneName} (a CNAME to itself): for Harbor, its origin host or load balancer name`, value);
    }
  }
}
