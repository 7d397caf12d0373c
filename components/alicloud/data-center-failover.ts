import * as alicloud from "@pulumi/alicloud";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { parseServerAddress, TSIG_ALGORITHMS } from "../../provider/clients/dns";
import { ArgumentChecks } from "../argument-checks";
import { FailoverComponent, checkServesClients } from "../failover-component";
import { isEventual } from "../eventual";
import { failoverRecordFieldsSchema, isHostName, isIpv4, isZoneName, recordNameSchema } from "../../provider/failover";
import { FailoverRecord, type FailoverRecordArgs, type Rfc2136Args } from "../../provider/resources";
import { acrInstanceIdSchema, vpcIdSchema, vswitchIdSchema } from "../../provider/validation";

/**
 * DataCenterFailover: solution 3 of Alibaba Cloud's Harbor-to-ACR guide, for Harbor running in
 * a data center that reaches Alibaba Cloud over a VPN or Express Connect link. The ACR
 * Enterprise instance gets an endpoint in the VPC on Alibaba's side of that link; failing over
 * means the data center's own DNS (BIND, Knot, PowerDNS, Windows DNS, Infoblox: any server taking
 * TSIG-signed RFC 2136 updates) resolves Harbor's name to that endpoint's IP instead of
 * Harbor's. The data center's router must send `requiredRoutes` over the link.
 *
 * Children: the VPC endpoint link (`cr.VpcEndpointLinkedVpc`) and an `rfc2136` FailoverRecord
 * whose secondary value is the endpoint's IP, with a preflight that also checks the IP accepts
 * TCP on 443 from where `pulumi up` runs (so a missing route blocks the flip).
 */

export interface DataCenterFailoverArgs {
  /** The ACR Enterprise Edition instance, such as cri-kmsiwlxxdcvaduwb. */
  instanceId: pulumi.Input<string>;
  /** The VPC on Alibaba Cloud's side of the VPN or Express Connect link, and a vSwitch in it for the endpoint. */
  vpcId: pulumi.Input<string>;
  vswitchId: pulumi.Input<string>;
  /** The data center's DNS zone holding the registry name, such as dr.example.com. */
  zone: pulumi.Input<string>;
  /** The registry name's label in the zone ("registry" for registry.dr.example.com; "@" for the zone's own name). */
  recordName: pulumi.Input<string>;
  /** Seconds resolvers may cache an answer after a flip (default 60). */
  ttl?: pulumi.Input<number>;
  /** The data center's primary DNS server(s) and the TSIG key that may update the zone; stored as a secret. */
  rfc2136: pulumi.Input<Rfc2136Args>;
  /** Harbor in the data center: the IP the name resolves to while it serves, and its registry address for the preflight. */
  harbor: { ip: pulumi.Input<string>; registry: pulumi.Input<string>; insecure?: pulumi.Input<boolean> };
  /** The instance's VPC registry endpoint, probed before a flip: `<instanceName>-registry-vpc.<region>.cr.aliyuncs.com`. */
  acrVpcRegistry: pulumi.Input<string>;
  /** "primary" (Harbor) or "secondary" (ACR over the link). Change it and run `pulumi up` to fail over or back. */
  activeSite: pulumi.Input<"primary" | "secondary">;
  /** Images ACR must hold before the name points at it (ImageSync's `auth` and `images`); stored as a secret. */
  readiness?: FailoverRecordArgs["readiness"];
  /** How clients reach the registry through the failover name: the preflight pulls as they will, with defaults, or `false` to leave that unchecked (FailoverRecord's `clients`). */
  clients?: FailoverRecordArgs["clients"];
  force?: pulumi.Input<boolean>;
  /** Take over a record that already exists on the name. */
  adopt?: pulumi.Input<boolean>;
}

export class DataCenterFailover extends FailoverComponent {
  /** The IP of the instance's registry endpoint in the VPC: the secondary value of the record. */
  readonly endpointIp: pulumi.Output<string>;
  /**
   * What the data center's router must send over the VPN or Express Connect link: the CIDR of
   * the endpoint's vSwitch (it holds the endpoint IP, and any IP a re-created link gets).
   */
  readonly requiredRoutes: pulumi.Output<string[]>;
  readonly record: FailoverRecord;

  constructor(name: string, args: DataCenterFailoverArgs, opts?: pulumi.ComponentResourceOptions) {
    super("registry-dr:alicloud:DataCenterFailover", name, {}, opts);
    checkArgs(name, args);

    const link = new alicloud.cr.VpcEndpointLinkedVpc(
      `${name}-vpc-endpoint`,
      { instanceId: args.instanceId, vpcId: args.vpcId, vswitchId: args.vswitchId, moduleName: "Registry", enableCreateDnsRecordInPvzt: false },
      { parent: this },
    );
    const linked = alicloud.cr.getVpcEndpointLinkedVpcsOutput({ instanceId: link.instanceId, moduleName: "Registry", ids: [link.id] }, { parent: this });
    this.endpointIp = pulumi.all([linked.vpcEndpointLinkedVpcs, link.id]).apply(([links, id]) => {
      const ip = links.find((entry) => entry.id === id)?.ip;
      if (!ip)
        throw new Error(
          `DataCenterFailover ${name}: the VPC endpoint ${id} has no IP yet (status ${links.find((entry) => entry.id === id)?.status ?? "unknown"}); run pulumi up again once it is RUNNING`,
        );
      return ip;
    });
    const vswitches = alicloud.vpc.getSwitchesOutput({ ids: [args.vswitchId] }, { parent: this });
    this.requiredRoutes = vswitches.vswitches.apply((found) => found.map((vswitch) => vswitch.cidrBlock));

    this.record = new FailoverRecord(
      `${name}-record`,
      {
        backend: "rfc2136",
        zone: args.zone,
        name: args.recordName,
        type: "A",
        ttl: args.ttl ?? 60,
        rfc2136: args.rfc2136,
        sites: {
          primary: { value: args.harbor.ip, registry: args.harbor.registry, insecure: args.harbor.insecure },
          secondary: { value: this.endpointIp, registry: args.acrVpcRegistry, tcpCheck: pulumi.interpolate`${this.endpointIp}:443` },
        },
        active: args.activeSite,
        readiness: args.readiness,
        clients: args.clients,
        force: args.force,
        adopt: args.adopt,
      },
      { parent: this },
    );
    this.passOnRecord(this.record, { endpointIp: this.endpointIp, requiredRoutes: this.requiredRoutes });
  }
}

/** The known arguments, checked with the FailoverRecord's own schema and rules before anything is created. */
function checkArgs(name: string, args: DataCenterFailoverArgs): void {
  const check = new ArgumentChecks("DataCenterFailover", name);
  if (args === undefined || args === null || typeof args !== "object")
    check.fail("args", "expected {instanceId, vpcId, vswitchId, zone, recordName, rfc2136, harbor, acrVpcRegistry, activeSite}", args);
  check.schema("instanceId", args.instanceId, acrInstanceIdSchema(), true);
  check.schema("vpcId", args.vpcId, vpcIdSchema(), true);
  check.schema("vswitchId", args.vswitchId, vswitchIdSchema(), true);
  check.rule("zone", args.zone, isZoneName, "the data center zone's name, such as dr.example.com", true);
  check.schema("recordName", args.recordName, recordNameSchema(), true);
  check.schema("activeSite", args.activeSite, failoverRecordFieldsSchema().shape.active, true);
  // Field by field, never the whole object: its secret must not appear in an error.
  const dns = args.rfc2136 as { server?: unknown; servers?: unknown; tsig?: { name?: unknown; algorithm?: unknown } } | undefined;
  if (!dns || typeof dns !== "object") return check.fail("rfc2136", "expected {server or servers, tsig: {name, algorithm, secret}}", typeof dns);
  if (!isEventual(dns)) {
    check.rule("rfc2136.server", dns.server, isServerAddress, 'a DNS server as host, host:port or [IPv6]:port, such as "10.0.0.53:53"');
    if (Array.isArray(dns.servers)) {
      for (const [index, server] of dns.servers.entries())
        check.rule(`rfc2136.servers[${index}]`, server, isServerAddress, "a DNS server as host, host:port or [IPv6]:port");
    }
    if (dns.tsig && !isEventual(dns.tsig))
      check.schema("rfc2136.tsig.algorithm", dns.tsig.algorithm, z.enum(TSIG_ALGORITHMS, { error: `expected one of ${TSIG_ALGORITHMS.join(", ")}` }), true);
  }
  if (!args.harbor || typeof args.harbor !== "object") check.fail("harbor", "expected {ip, registry}", args.harbor);
  check.rule("harbor.ip", args.harbor.ip, isIpv4, "Harbor's IPv4 address in the data center", true);
  check.rule(
    "acrVpcRegistry",
    args.acrVpcRegistry,
    (value: string) => isHostName(value.replace(/^https?:\/\//, "")),
    "the instance's VPC endpoint host, such as myinstance-registry-vpc.cn-hangzhou.cr.aliyuncs.com",
    true,
  );
  checkServesClients(check, { primary: args.harbor, secondary: { registry: args.acrVpcRegistry } }, args.readiness);
}

function isServerAddress(value: string): boolean {
  try {
    parseServerAddress(value);
    return true;
  } catch {
    return false;
  }
}
