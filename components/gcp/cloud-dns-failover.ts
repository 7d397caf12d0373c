import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { projectIdSchema } from "../../provider/clients/google";
import {
  cloudDnsSettingsSchema,
  failoverRecordFieldsSchema,
  isHostName,
  isIpv4,
  isManagedZoneName,
  isZoneName,
  recordNameSchema,
  sameSitesProblem,
} from "../../provider/failover";
import { FailoverRecord, type CloudDnsArgs, type FailoverRecordArgs, type FailoverSiteArgs } from "../../provider/resources";
import { ArgumentChecks } from "../argument-checks";
import { FailoverComponent, checkServesClients } from "../failover-component";
import { cloudDnsSettingsFor } from "../explicit-providers";
import { isEventual } from "../eventual";

/**
 * CloudDnsFailover: DNS failover between Harbor and Artifact Registry on Google Cloud DNS, as
 * one component: a managed zone (private, visible only to the given VPC networks, or public)
 * and a `clouddns` FailoverRecord in it. Changing `activeSite` flips the record in one atomic
 * Cloud DNS change, after a preflight shows the standby registry holds the readiness images.
 */

export interface CloudDnsFailoverArgs {
  /** The zone's DNS name, such as dr.example.com (the final dot is added). */
  dnsName: pulumi.Input<string>;
  /** The managed zone's name; default: Pulumi's auto-name from the component's name. */
  managedZoneName?: pulumi.Input<string>;
  /** VPC networks (self links or ids: projects/p/global/networks/n) that see a private zone; none: a public zone. */
  networks?: pulumi.Input<string>[];
  /** The project of the zone; default the gcp provider's (`gcp:project`). */
  project?: pulumi.Input<string>;
  /** The record's name within the zone, such as "registry". A CNAME cannot sit at the zone's apex ("@"): use type A there. */
  recordName: pulumi.Input<string>;
  /** CNAME (default: host names as site values) or A (IPv4 addresses). */
  type?: "CNAME" | "A";
  /** Seconds (default 60): resolvers keep the old answer this long after a flip. */
  ttl?: pulumi.Input<number>;
  sites: { primary: pulumi.Input<FailoverSiteArgs>; secondary: pulumi.Input<FailoverSiteArgs> };
  /** The site the record points at. Change it and run `pulumi up` to fail over or back. */
  activeSite: pulumi.Input<"primary" | "secondary">;
  readiness?: FailoverRecordArgs["readiness"];
  /** How clients reach the registry through the failover name: the preflight pulls as they will, with defaults, or `false` to leave that unchecked (FailoverRecord's `clients`). */
  clients?: FailoverRecordArgs["clients"];
  force?: pulumi.Input<boolean>;
  /**
   * The record's Cloud DNS credentials (secret). Default: the project and service-account key
   * (`credentials`, the key's JSON text) of the gcp provider given to this component, else
   * `gcp:project` and `gcp:credentials`.
   */
  google?: pulumi.Input<CloudDnsArgs>;
}

export class CloudDnsFailover extends FailoverComponent {
  /** The managed zone's name. */
  readonly zoneName: pulumi.Output<string>;

  readonly zone: gcp.dns.ManagedZone;
  readonly record: FailoverRecord;

  constructor(name: string, args: CloudDnsFailoverArgs, opts?: pulumi.ComponentResourceOptions) {
    // Before super: bad arguments fail the program without registering a half-built component.
    validateArgs(name, args);
    super("registry-dr:gcp:CloudDnsFailover", name, {}, opts);

    const networks = args.networks ?? [];
    this.zone = new gcp.dns.ManagedZone(
      `${name}-zone`,
      {
        name: args.managedZoneName,
        project: args.project,
        dnsName: pulumi.output(args.dnsName).apply((dnsName) => `${dnsName.replace(/\.$/, "")}.`),
        description: "registry-dr: registry failover",
        visibility: networks.length > 0 ? "private" : "public",
        privateVisibilityConfig: networks.length > 0 ? { networks: networks.map((networkUrl) => ({ networkUrl })) } : undefined,
      },
      { parent: this },
    );

    const google = cloudDnsSettingsFor(this, `CloudDnsFailover ${name}`, args.google, args.project);
    this.record = new FailoverRecord(
      `${name}-record`,
      {
        backend: "clouddns",
        zone: this.zone.name,
        name: args.recordName,
        type: args.type ?? "CNAME",
        ttl: args.ttl ?? 60,
        sites: args.sites,
        active: args.activeSite,
        readiness: args.readiness,
        clients: args.clients,
        force: args.force,
        google,
      },
      { parent: this },
    );

    this.zoneName = this.zone.name;
    this.passOnRecord(this.record, { zoneName: this.zoneName });
  }
}

function validateArgs(name: string, args: CloudDnsFailoverArgs): void {
  if (args === undefined || args === null || typeof args !== "object")
    throw new Error(`CloudDnsFailover ${name}: expected args {dnsName, recordName, sites, activeSite, ...}`);
  const check = new ArgumentChecks("CloudDnsFailover", name);
  const record = failoverRecordFieldsSchema().shape;
  check.rule("dnsName", args.dnsName, (value: string) => isZoneName(value) && value.includes("."), "the zone's DNS name, such as dr.example.com", true);
  check.rule(
    "managedZoneName",
    args.managedZoneName,
    isManagedZoneName,
    "a managed zone name: lower-case letters, digits and hyphens, starting with a letter, at most 63",
  );
  check.schema("project", args.project, projectIdSchema());
  check.schema("recordName", args.recordName, recordNameSchema(), true);
  const type = args.type ?? "CNAME";
  check.schema("type", type, record.type);
  if (type === "CNAME" && args.recordName === "@")
    check.fail(
      "recordName",
      "expected a name below the zone's apex: Cloud DNS refuses a CNAME at the apex (it holds the SOA and NS records); use type A there, or a zone one level up",
      args.recordName,
    );
  check.schema("ttl", args.ttl, record.ttl.unwrap());
  check.schema("activeSite", args.activeSite, record.active, true);
  check.schema("force", args.force, record.force.unwrap());
  check.schema("google", args.google, cloudDnsSettingsSchema());
  if (args.networks !== undefined && (!Array.isArray(args.networks) || args.networks.length === 0))
    check.fail("networks", "expected a non-empty list of VPC network self links (or leave it out for a public zone)", args.networks);
  checkSites(check, args, type, record.sites.shape.primary.shape.registry);
  checkServesClients(check, args.sites, args.readiness);
}

function checkSites(check: ArgumentChecks, args: CloudDnsFailoverArgs, type: "CNAME" | "A", registrySchema: Parameters<ArgumentChecks["schema"]>[2]): void {
  const sites = args.sites;
  if (sites === null || typeof sites !== "object") check.fail("sites", "expected {primary: {value, registry, insecure?}, secondary: {...}}", sites);
  const values: Partial<Record<"primary" | "secondary", unknown>> = {};
  for (const site of ["primary", "secondary"] as const) {
    const given = sites[site];
    if (given === undefined || given === null) check.fail(`sites.${site}`, "expected {value, registry, insecure?}", given);
    if (isEventual(given)) continue;
    const { value, registry } = given as FailoverSiteArgs;
    if (type === "CNAME")
      check.rule(
        `sites.${site}.value`,
        value,
        isHostName,
        "the host name the CNAME points at while this site is active, such as standby-lb.dr.example.com",
        true,
      );
    else check.rule(`sites.${site}.value`, value, isIpv4, "the IPv4 address the record holds while this site is active", true);
    check.schema(`sites.${site}.registry`, registry, registrySchema, true);
    values[site] = value;
  }
  if (typeof values.primary === "string" && typeof values.secondary === "string")
    check.problem("sites.secondary.value", values.secondary, sameSitesProblem(values.primary, values.secondary));
}
