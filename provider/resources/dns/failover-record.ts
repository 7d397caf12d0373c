import type * as pulumi from "@pulumi/pulumi";
import type { FailoverPreflight, FailoverRecordInputs } from "../../failover";
import type { AlicloudCredentialsArgs } from "../alicloud";
import type { ImageSyncArgs } from "../image-sync";
import { failoverRecordDefinition } from "./failover-record-provider";

/**
 * FailoverRecord: the DNS record that decides which registry serves image pulls, as in
 * Alibaba Cloud's Harbor-to-ACR guide (its solution 1, PrivateZone, and solution 2, public
 * DNS). `active` names the site; changing it flips the record in place, but only after a
 * preflight shows the site's registry answers and holds every readiness image with the
 * source's digest, and that clients pulling through the name would get them there. The record is read back after every write, refresh reports a record
 * changed outside Pulumi, and delete removes only a record this resource created.
 */

// The engine loads the provider from this module by this name: state written before holds both.
export { failoverRecordProvider } from "./failover-record-provider";
export type { FailoverPreflight } from "../../failover";

/** One site of a failover pair: what the record says when it is active, and where to probe it. */
export interface FailoverSiteArgs {
  /** The record's value while this site is active: a host name for CNAME, an IPv4 address for A. */
  value: pulumi.Input<string>;
  /** The registry serving this site, probed before the record points at it ("host[:port]" or a URL). */
  registry: pulumi.Input<string>;
  /** Probe the registry over plain HTTP or without verifying its certificate. */
  insecure?: pulumi.Input<boolean>;
  /**
   * "host:port" that must accept a TCP connection from where `pulumi up` runs before the record
   * points here: for an A record, the address it hands out and port 443 (a VPC endpoint reached
   * over VPN or Express Connect answers only once the route is in place).
   */
  tcpCheck?: pulumi.Input<string>;
  /** The path of a PEM file with the site registry's CA (a private CA: no `insecure` needed). */
  caFile?: pulumi.Input<string>;
  /** The site registry's CA as PEM text. */
  ca?: pulumi.Input<string>;
}

/**
 * How clients reach the registry through the failover name. Every preflight pulls every
 * readiness image as they will after the flip: from the site's address, with the name as TLS
 * server name and Host, at the primary's repository paths; these settings say how, and each
 * has a default.
 */
export interface FailoverClientsArgs {
  /**
   * The name clients pull through; default the record's own name in its zone (for privatezone
   * the zone's name as DescribeZoneInfo gives it, for clouddns the managed zone's dnsName).
   */
  name?: pulumi.Input<string>;
  /** Default 443. */
  port?: pulumi.Input<number>;
  /** The CA clients trust for the name (besides the system store): a PEM file's path, or PEM text. */
  caFile?: pulumi.Input<string>;
  ca?: pulumi.Input<string>;
  insecure?: pulumi.Input<boolean>;
  /** The credential clients pull with; default the readiness credential for the primary's registry. Stored as a secret. */
  credential?: pulumi.Input<{ username: pulumi.Input<string>; password: pulumi.Input<string> }>;
}

/** What every backend's record has. */
interface FailoverRecordCommonArgs {
  /**
   * The PrivateZone zone id, the public domain name for alidns, the zone's name for rfc2136 ("dr.example.com"), or the
   * managed zone's NAME for clouddns ("dr-zone", not its DNS name; `name` is then relative to the zone's DNS name).
   */
  zone: pulumi.Input<string>;
  /** The record's RR within the zone: "@" for the apex, or a label such as "harbor". */
  name: pulumi.Input<string>;
  /** Seconds; PrivateZone takes 5, 30, 60, 3600, 43200 or 86400 (default 60), alidns 600-86400 (default 600), rfc2136 and clouddns any (default 60). */
  ttl?: pulumi.Input<number>;
  sites: pulumi.Input<{ primary: pulumi.Input<FailoverSiteArgs>; secondary: pulumi.Input<FailoverSiteArgs> }>;
  /** The site the record points at. Changing it flips the record after a preflight of that site. */
  active: pulumi.Input<"primary" | "secondary">;
  /**
   * Images the site switched to must hold, with the source's digest: ImageSync's `auth` and `images`, and its `os`/`arch`
   * when the copy keeps only some platforms (the standby then holds an index of those, which both preflights expect). Stored as a secret.
   */
  readiness?: pulumi.Input<{ auth?: ImageSyncArgs["auth"]; images: ImageSyncArgs["images"]; os?: ImageSyncArgs["os"]; arch?: ImageSyncArgs["arch"] }>;
  /**
   * How clients reach the registry through the failover name: the preflight pulls as they will
   * (default: the record's name, port 443, the system's CAs, the readiness credential). `false`
   * where this tool cannot reach the registry as clients do: the preflight then says the
   * client view was not checked.
   */
  clients?: pulumi.Input<FailoverClientsArgs | false>;
  /** Flip even when the preflight fails (the report is still printed and kept in `preflight`). */
  force?: pulumi.Input<boolean>;
  /** Take over a record that already exists with this RR and type, instead of failing. Adopted records are left in place on delete. */
  adopt?: pulumi.Input<boolean>;
}

/** Alibaba PrivateZone: solution 1 of Alibaba Cloud's Harbor-to-ACR guide. */
export interface PrivateZoneFailoverRecordArgs extends FailoverRecordCommonArgs {
  backend: pulumi.Input<"privatezone">;
  type: pulumi.Input<"CNAME" | "A">;
  /** Alibaba Cloud credentials for the DNS API; default: the `alicloud:*` stack config, then ALICLOUD_* variables. Stored as a secret. */
  alicloud?: pulumi.Input<AlicloudCredentialsArgs>;
  rfc2136?: undefined;
  google?: undefined;
}

/** Public Alibaba Cloud DNS: solution 2 of Alibaba Cloud's Harbor-to-ACR guide. `zone` is the domain name. */
export interface AlidnsFailoverRecordArgs extends FailoverRecordCommonArgs {
  backend: pulumi.Input<"alidns">;
  type: pulumi.Input<"CNAME" | "A">;
  /** Alibaba Cloud credentials for the DNS API; default: the `alicloud:*` stack config, then ALICLOUD_* variables. Stored as a secret. */
  alicloud?: pulumi.Input<AlicloudCredentialsArgs>;
  rfc2136?: undefined;
  google?: undefined;
}

/**
 * The data center's own DNS servers (BIND, Knot, PowerDNS, Windows DNS, Infoblox) updated with TSIG-signed dynamic
 * updates: solution 3 of Alibaba Cloud's Harbor-to-ACR guide, where the data center reaches ACR over a VPC link.
 */
export interface Rfc2136FailoverRecordArgs extends FailoverRecordCommonArgs {
  backend: pulumi.Input<"rfc2136">;
  type: pulumi.Input<"CNAME" | "A" | "AAAA">;
  /** The primary server(s) and the TSIG key. Stored as a secret. */
  rfc2136: pulumi.Input<Rfc2136Args>;
  alicloud?: undefined;
  google?: undefined;
}

/** Google Cloud DNS: a public zone, or a private one on the VPC networks that pull from Artifact Registry. */
export interface CloudDnsFailoverRecordArgs extends FailoverRecordCommonArgs {
  backend: pulumi.Input<"clouddns">;
  type: pulumi.Input<"CNAME" | "A" | "AAAA">;
  /** Default: the `gcp:project` and `gcp:credentials` stack config @pulumi/gcp reads. Stored as a secret. */
  google?: pulumi.Input<CloudDnsArgs>;
  alicloud?: undefined;
  rfc2136?: undefined;
}

/** One variant per backend, each with exactly its own settings. */
export type FailoverRecordArgs = PrivateZoneFailoverRecordArgs | AlidnsFailoverRecordArgs | Rfc2136FailoverRecordArgs | CloudDnsFailoverRecordArgs;

/** A record without its sites and switching choices (a DR plan's `failover.record`), per backend. */
export type FailoverRecordPlacementArgs = FailoverRecordArgs extends infer Variant
  ? Variant extends unknown
    ? Omit<Variant, "sites" | "active" | "readiness" | "clients" | "force">
    : never
  : never;

/** What state holds: the inputs and what the provider found and did. */
export type FailoverRecordOutputs = FailoverRecordInputs & {
  /** Bumped when this shape changes; state written by older releases stays readable. */
  schemaVersion: 1;
  recordId: string;
  /** The value the record holds now. */
  activeTarget: string;
  /** The value it held before the last flip (empty when it never flipped). */
  previousTarget: string;
  /** When the record last changed value (ISO 8601). */
  switchedAt: string;
  preflight?: FailoverPreflight;
  /** False for an adopted record: delete leaves it in place. */
  createdByResource: boolean;
};

/** The Google Cloud project and service account a clouddns record is written with. */
export interface CloudDnsArgs {
  /** The project holding the managed zone; default `gcp:project`, then the key's project_id. */
  project?: pulumi.Input<string>;
  /** The service-account key's JSON text (roles/dns.admin on the zone, or a custom role with dns.changes.create and dns.resourceRecordSets.list). */
  serviceAccountKey?: pulumi.Input<string>;
  /** The Cloud DNS API base; default https://dns.googleapis.com/dns/v1/. */
  endpoint?: pulumi.Input<string>;
}

/** Where dynamic updates go, and the key that signs them. */
export interface Rfc2136Args {
  /** The primary DNS server, "host", "host:port" or "[IPv6]:port" (port 53 by default). */
  server?: pulumi.Input<string>;
  /** Several primaries (each serving the zone on its own, not replicas of one another): every one is updated. Use this or `server`. */
  servers?: pulumi.Input<pulumi.Input<string>[]>;
  tsig: pulumi.Input<{
    /** The key's name as the server knows it. */
    name: pulumi.Input<string>;
    algorithm: pulumi.Input<"hmac-sha1" | "hmac-sha224" | "hmac-sha256" | "hmac-sha384" | "hmac-sha512">;
    /** The shared secret, base64 as tsig-keygen prints it. */
    secret: pulumi.Input<string>;
  }>;
  /** "udp" (default; TCP when a reply is truncated) or "tcp". */
  transport?: pulumi.Input<"udp" | "tcp">;
}

/** The failover record; see the top of this file. */
export class FailoverRecord extends failoverRecordDefinition.Resource {}
