import { isIPv6 } from "node:net";
import { z } from "zod";
import { sameDnsName, sameRecordValue } from "../clients/record-value";

/**
 * What the DNS backends accept in a record (Alibaba PrivateZone and DNS, a data-center DNS
 * server, Google Cloud DNS), checked before any call is made. The FailoverRecord resource and the components
 * that build one share these rules.
 */

export type FailoverBackend = "privatezone" | "alidns" | "rfc2136" | "clouddns";
export type FailoverRecordType = "CNAME" | "A" | "AAAA";

/** PrivateZone takes these TTLs and no others. */
export const PRIVATEZONE_TTLS: readonly number[] = [5, 30, 60, 3600, 43200, 86400];

export function isPrivateZoneTtl(ttl: number): boolean {
  return PRIVATEZONE_TTLS.includes(ttl);
}

/** Why `ttl` is not one the backend takes, or undefined when it is. */
export function ttlProblem(backend: FailoverBackend, ttl: number): string | undefined {
  if (backend === "privatezone" && !isPrivateZoneTtl(ttl)) return `PrivateZone takes a TTL of ${PRIVATEZONE_TTLS.join(", ")} seconds; got ${ttl}`;
  if (backend === "alidns" && (ttl < 1 || ttl > 86400)) return `Alibaba Cloud DNS takes a TTL of 1-86400 seconds (the free edition: at least 600); got ${ttl}`;
  if ((backend === "rfc2136" || backend === "clouddns") && (ttl < 0 || ttl > 2147483647)) return `a DNS TTL is 0-2147483647 seconds; got ${ttl}`;
  return undefined;
}

/** A record's RR within its zone: "@" for the apex, "*", or dot-separated labels. A function: each caller gets a fresh schema. */
export const recordNameSchema = () =>
  z
    .string({ error: 'expected the record\'s RR within the zone: "@" for the apex, or labels such as "harbor" or "registry.dr"' })
    .regex(/^(@|\*|(\*\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*)$/i, {
      error: 'expected the record\'s RR within the zone: "@" for the apex, or labels such as "harbor" or "registry.dr"',
    });

/** A DNS host name (a CNAME target): labels of letters, digits and hyphens, not an IP address. */
export function isHostName(value: string): boolean {
  return value.length <= 253 && /^(?=.*[a-z])([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]*[a-z0-9])?\.?$/i.test(value) && !isIpv4(value);
}

export function isIpv4(value: string): boolean {
  const parts = value.split(".");
  return parts.length === 4 && parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255);
}

/** Why a record of `type` cannot hold `value`, or undefined when it can. */
export function recordValueProblem(type: FailoverRecordType, value: string): string | undefined {
  if (type === "CNAME" && !isHostName(value)) return `a CNAME record points at a host name, such as xxx-registry.cn-hangzhou.cr.aliyuncs.com; got "${value}"`;
  if (type === "A" && !isIpv4(value)) return `an A record holds an IPv4 address, such as 192.168.0.10; got "${value}"`;
  if (type === "AAAA" && !isIPv6(value)) return `an AAAA record holds an IPv6 address, such as fd00::10; got "${value}"`;
  return undefined;
}

/** A failover pair whose sites hold the same value would flip to nothing. Reported on the secondary's value. */
export function sameSitesProblem(primaryValue: string, secondaryValue: string, type = "CNAME"): string | undefined {
  return sameRecordValue(type, primaryValue, secondaryValue) ? "expected a value other than the primary's: a flip would change nothing" : undefined;
}

/** The record is the zone's own name: a CNAME to that same name would be a loop. */
export function cnameLoopProblem(zoneName: string, recordName: string, value: string): string | undefined {
  if (recordName !== "@" || !sameDnsName(value, zoneName)) return undefined;
  return `expected the site's own host name, not the zone's name ${zoneName} (a CNAME to itself): for Harbor, its origin host or load balancer name`;
}

/** A zone's name for a DNS server: labels of letters, digits, hyphens and underscores. */
export function isZoneName(value: string): boolean {
  return value.length <= 253 && /^([a-z0-9_]([a-z0-9_-]*[a-z0-9_])?\.)*[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?\.?$/i.test(value);
}

/** A Cloud DNS managed zone's name (not its DNS name): 1-63 lower-case letters, digits and hyphens, starting with a letter. */
export function isManagedZoneName(value: string): boolean {
  return /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/.test(value);
}
