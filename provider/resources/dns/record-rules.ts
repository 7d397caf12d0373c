/** What Alibaba's DNS products accept in a record, checked before any call is made. */

/** PrivateZone takes these TTLs and no others. */
export const PRIVATEZONE_TTLS: readonly number[] = [5, 30, 60, 3600, 43200, 86400];

/** A DNS host name (a CNAME target): labels of letters, digits and hyphens, not an IP address. */
export function isHostName(value: string): boolean {
  return value.length <= 253 && /^(?=.*[a-z])([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]*[a-z0-9])?\.?$/i.test(value) && !isIpv4(value);
}

export function isIpv4(value: string): boolean {
  const parts = value.split(".");
  return parts.length === 4 && parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255);
}
