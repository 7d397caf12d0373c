import * as alicloud from "@pulumi/alicloud";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ArgumentChecks, isKnown } from "../argument-checks";
import { FailoverComponent, checkServesClients } from "../failover-component";
import { alicloudCredentialsFor } from "../explicit-providers";
import { isEventual } from "../eventual";
import {
  PRIVATEZONE_TTLS,
  cnameLoopProblem,
  failoverRecordFieldsSchema,
  isHostName,
  isPrivateZoneTtl,
  recordNameSchema,
  sameSitesProblem,
} from "../../provider/failover";
import { FailoverRecord, type AlicloudCredentialsArgs, type FailoverRecordArgs, type FailoverSiteArgs } from "../../provider/resources";
import { regionIdSchema, vpcIdSchema } from "../../provider/validation";

/**
 * PrivateZoneFailover: solution 1 (PrivateZone) of Alibaba Cloud's Harbor-to-ACR guide as one component. The registry's host name
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
  /** How clients reach the registry through the failover name: the preflight pulls as they will, with defaults, or `false` to leave that unchecked (FailoverRecord's `clients`). */
  clients?: FailoverRecordArgs["clients"];
  /** Flip even when the preflight finds the site not ready. */
  force?: pulumi.Input<boolean>;
  /** NORMAL_ZONE (resolvers cache answers for the TTL) or FAST_ZONE (not cached). Default: the account's default. */
  dnsGroup?: pulumi.Input<"NORMAL_ZONE" | "FAST_ZONE">;
  /**
   * Credentials for the record's PrivateZone API calls (the record calls the API itself: it
   * cannot use a provider resource). Default: the key and region of the alicloud provider given
   * to this component (`provider`/`providers`), else the `alicloud:*` stack config, then ALICLOUD_* variables.
   */
  alicloud?: pulumi.Input<AlicloudCredentialsArgs>;
}

export class PrivateZoneFailover extends FailoverComponent {
  readonly zoneId: pulumi.Output<string>;

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
        clients: args.clients,
        force: args.force,
        alicloud: alicloudCredentialsFor(this, `PrivateZoneFailover ${name}`, args.alicloud),
      },
      { parent: this, dependsOn: [this.attachment] },
    );

    this.zoneId = this.zone.id;
    this.passOnRecord(this.record, { zoneId: this.zoneId });
  }
}

/** Checks the arguments known at construction time with the FailoverRecord's rules; its provider checks the rest at `check`. */
function validateArgs(name: string, args: PrivateZoneFailoverArgs): void {
  if (args === undefined || args === null || typeof args !== "object")
    throw new Error(`PrivateZoneFailover ${name}: expected args {zoneName, vpcs, sites, activeSite, ...}`);
  const check = new ArgumentChecks("PrivateZoneFailover", name);
  const record = failoverRecordFieldsSchema().shape;
  check.rule("zoneName", args.zoneName, isHostName, "the registry host name the zone answers for, such as harbor.example.com", true);
  checkVpcs(check, args.vpcs);
  check.schema("recordName", args.recordName, recordNameSchema());
  check.rule("ttl", args.ttl, isPrivateZoneTtl, `one of ${PRIVATEZONE_TTLS.join(", ")} seconds (PrivateZone's choices)`);
  check.schema("activeSite", args.activeSite, record.active, true);
  check.schema("dnsGroup", args.dnsGroup, z.enum(["NORMAL_ZONE", "FAST_ZONE"], { error: 'expected "NORMAL_ZONE" or "FAST_ZONE"' }));
  check.schema("force", args.force, record.force.unwrap());
  checkSites(check, args, record.sites.shape.primary.shape.registry);
  checkServesClients(check, args.sites, args.readiness);
}

function checkVpcs(check: ArgumentChecks, vpcs: PrivateZoneVpcArgs[]): void {
  if (!Array.isArray(vpcs) || vpcs.length === 0)
    check.fail("vpcs", "expected a non-empty list of {vpcId, regionId?}: the VPCs whose clients pull through this name", vpcs);
  const seen = new Set<unknown>();
  vpcs.forEach((vpc, index) => {
    if (isEventual(vpc)) return;
    if (vpc === null || typeof vpc !== "object") check.fail(`vpcs[${index}]`, "expected {vpcId, regionId?}", vpc);
    check.schema(`vpcs[${index}].vpcId`, vpc.vpcId, vpcIdSchema(), true);
    check.schema(`vpcs[${index}].regionId`, vpc.regionId, regionIdSchema());
    if (typeof vpc.vpcId !== "string") return;
    if (seen.has(vpc.vpcId)) check.fail(`vpcs[${index}].vpcId`, "expected each VPC once", vpc.vpcId);
    seen.add(vpc.vpcId);
  });
}

function checkSites(check: ArgumentChecks, args: PrivateZoneFailoverArgs, registrySchema: z.ZodType): void {
  const sites = args.sites;
  if (sites === null || typeof sites !== "object") check.fail("sites", "expected {primary: {value, registry, insecure?}, secondary: {...}}", sites);
  const values: Partial<Record<"primary" | "secondary", unknown>> = {};
  for (const site of ["primary", "secondary"] as const) {
    const given = sites[site];
    if (given === undefined || given === null) check.fail(`sites.${site}`, "expected {value, registry, insecure?}", given);
    if (isEventual(given)) continue;
    const { value, registry } = given as FailoverSiteArgs;
    check.rule(
      `sites.${site}.value`,
      value,
      isHostName,
      "the host name the CNAME points at while this site is active, such as xxx-registry.cn-hangzhou.cr.aliyuncs.com",
      true,
    );
    check.schema(`sites.${site}.registry`, registry, registrySchema, true);
    values[site] = value;
  }
  if (typeof values.primary === "string" && typeof values.secondary === "string")
    check.problem("sites.secondary.value", values.secondary, sameSitesProblem(values.primary, values.secondary));
  for (const site of ["primary", "secondary"] as const) {
    const value = values[site];
    if (typeof value === "string" && typeof args.zoneName === "string" && isKnown(args.recordName ?? "@")) {
      check.problem(`sites.${site}.value`, value, cnameLoopProblem(args.zoneName, (args.recordName as string | undefined) ?? "@", value));
    }
  }
}
