import * as pulumi from "@pulumi/pulumi";
import { AuthEntryArgs, PrivateZoneFailover } from "registry-dr";

/**
 * Alibaba Cloud's "Harbor geo-disaster recovery with ACR Enterprise Edition", solution 1, as a
 * stack: Harbor's host name is a PrivateZone zone bound to the VPC whose workloads pull
 * images, and its `@` record is a CNAME to Harbor (primary) or to the ACR Enterprise
 * instance (secondary). The failover drill is `pulumi config set activeSite secondary` and
 * `pulumi up`: the record moves only after a preflight shows ACR holds the readiness images
 * and serves them through the zone's name, as clients will pull them (set `clients` on the
 * component to change how: its port, CA or credential).
 * PrivateZone calls use the `alicloud:*` stack config, as @pulumi/alicloud does.
 */
const config = new pulumi.Config();

const readinessImages = config.getObject<Record<string, string | string[]>>("readinessImages");
// Credentials for reading the readiness images on both sides, as ImageSync's `auth`:
// Harbor with {username, password}, ACR with {alicloud: {instanceId, region}} (the RAM key
// from the alicloud:* config is exchanged for a temporary registry login).
const readinessAuth = config.getSecretObject<Record<string, AuthEntryArgs>>("readinessAuth");

const failover = new PrivateZoneFailover("registry-endpoint", {
  zoneName: config.require("zoneName"),
  vpcs: [{ vpcId: config.require("vpcId"), regionId: config.get("vpcRegion") }],
  recordName: config.get("recordName") ?? "@",
  ttl: config.getNumber("ttl") ?? 60,
  dnsGroup: config.get<"NORMAL_ZONE" | "FAST_ZONE">("dnsGroup"),
  sites: {
    primary: { value: config.require("primaryValue"), registry: config.require("primaryRegistry"), insecure: config.getBoolean("primaryInsecure") },
    secondary: { value: config.require("secondaryValue"), registry: config.require("secondaryRegistry") },
  },
  activeSite: config.get<"primary" | "secondary">("activeSite") ?? "primary",
  readiness: readinessImages && { images: readinessImages, auth: readinessAuth },
  force: config.getBoolean("force"),
});

export const zoneId = failover.zoneId;
export const activeTarget = failover.activeTarget;
export const previousTarget = failover.previousTarget;
export const switchedAt = failover.switchedAt;
export const preflight = failover.preflight;
