import { HostRoutes, TlsTrust, mergeRoutes } from "../clients/http";
import type { RecordStore } from "../clients/record-store";
import { trustOf } from "../sync";
import { ConfigError, ConfigIssue } from "../validation";
import type { FailoverSite, FailoverSiteName } from "./failover-preflight";
import type { FailoverRecordInputs } from "./failover-record-schema";
import { registryHostOf } from "./site-readiness";

/**
 * The `clients` setting as the preflight uses it: the name and port clients pull through,
 * the CAs they trust, and the credential they pull with.
 */
export interface ClientView {
  /** The failover name, without a final dot. */
  name: string;
  port: number;
  trust?: TlsTrust;
  insecure: boolean;
  credential?: { username: string; password: string };
  /** The primary's registry host: without a `credential`, clients pull with the readiness credential for it. */
  primaryRegistry: string;
}

type ClientInputs = Pick<FailoverRecordInputs, "backend" | "zone" | "name" | "clients" | "sites">;

const NOT_SHOWN = "nothing here shows that clients pulling through the name would get the images from this site";

/** What the preflight says instead of the client view when `clients: false` turns it off. */
export const CLIENT_VIEW_NOT_CHECKED = `client view not checked (clients: false): ${NOT_SHOWN}`;

/** What it says for a site given to it without a client view (a library caller's own FailoverSite): nobody said `clients: false`. */
export const CLIENT_VIEW_NOT_GIVEN = `client view not checked: this preflight was given no client view (the site has no clients): ${NOT_SHOWN}`;

/**
 * The name clients use: `clients.name`, or the record's own name in its zone. rfc2136's zone
 * and alidns's domain are DNS names; a PrivateZone zone is an id and a Cloud DNS managed zone
 * has a name of its own, so there the zone's DNS name comes from the DNS API (`zoneName`,
 * clientZoneName). Undefined with `clients: false`, or when the zone's DNS name is not known.
 */
export function clientNameOf(inputs: ClientInputs, zoneName?: string): string | undefined {
  if (inputs.clients === false) return undefined;
  const given = inputs.clients?.name;
  if (given) return given.replace(/\.$/, "").toLowerCase();
  const zone = zoneName ?? (zoneIsDnsName(inputs.backend) ? inputs.zone : undefined);
  if (zone === undefined) return undefined;
  const apex = zone.replace(/\.$/, "").toLowerCase();
  return inputs.name === "@" ? apex : `${inputs.name.toLowerCase()}.${apex}`;
}

function zoneIsDnsName(backend: FailoverRecordInputs["backend"]): boolean {
  return backend === "rfc2136" || backend === "alidns";
}

/** Whether the client view's name needs the zone's DNS name from the DNS API (clientZoneName). */
export function needsZoneName(inputs: ClientInputs): boolean {
  return inputs.clients !== false && !inputs.clients?.name && !zoneIsDnsName(inputs.backend);
}

/**
 * The zone's DNS name, asked of the record store only where the client view needs it to name
 * the record (a privatezone or clouddns record without `clients.name`); undefined otherwise.
 */
export async function clientZoneName(inputs: ClientInputs, records: Pick<RecordStore, "zoneName" | "product">): Promise<string | undefined> {
  if (!needsZoneName(inputs)) return undefined;
  try {
    return await records.zoneName();
  } catch (error) {
    throw new Error(
      `${records.product}: the name clients pull through is the record's name in zone ${inputs.zone}, whose DNS name could not be read (${(error as Error).message}): give clients.name, or clients: false to switch without the client view`,
    );
  }
}

/**
 * The client view: the `clients` settings with their defaults (the record's name, port 443,
 * the system's CAs), or undefined with `clients: false`. `zoneName`: the zone's DNS name where
 * the zone is not one (clientZoneName). Throws a ConfigError for settings check() would refuse.
 */
export function clientViewOf(inputs: ClientInputs, zoneName?: string): ClientView | undefined {
  if (inputs.clients === false) return undefined;
  const clients = inputs.clients ?? {};
  const problems = clientSettingsProblems(inputs);
  const name = clientNameOf(inputs, zoneName);
  if (name === undefined)
    problems.push({
      path: ["clients", "name"],
      message: `expected the name clients pull through, such as registry.dr.example.com: a ${inputs.backend} record's zone is not a DNS name, and its DNS name was not read from the DNS API`,
    });
  if (problems.length) throw new ConfigError(problems);
  const trust = trustOf(clients, ["clients"]);
  return {
    name: name!,
    port: clients.port ?? 443,
    ...(trust ? { trust } : {}),
    insecure: clients.insecure ?? false,
    ...(clients.credential ? { credential: clients.credential } : {}),
    primaryRegistry: registryHostOf(inputs.sites.primary.registry),
  };
}

/** What check() says of `clients` and of the sites' CAs: files that are not PEM. */
export function clientSettingsProblems(inputs: ClientInputs): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const trustChecks = [
    () => inputs.clients && trustOf(inputs.clients, ["clients"]),
    ...(["primary", "secondary"] as const).map((site) => () => trustOf(inputs.sites[site], ["sites", site])),
  ];
  for (const check of trustChecks) {
    try {
      check();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      issues.push(...error.issues);
    }
  }
  return issues;
}

/** A site's own CAs (`caFile`/`ca`), for its registry host: the preflight's requests to it trust them. */
export function siteRoutes(site: { registry: string; caFile?: string; ca?: string }, path: (string | number)[]): HostRoutes {
  const trust = trustOf(site, path);
  return trust ? { [registryHostOf(site.registry).toLowerCase()]: { trust } } : {};
}

/**
 * A site as the preflight checks it: its registry, both sites' CAs (the readiness check reads
 * the primary as the source), and the client view through the name (false with `clients: false`).
 * `zoneName`: the zone's DNS name, for a record whose zone is not one (clientZoneName).
 */
export function failoverSiteOf(inputs: ClientInputs, name: FailoverSiteName, zoneName?: string): FailoverSite {
  const { caFile: _caFile, ca: _ca, ...site } = inputs.sites[name];
  const clients = clientViewOf(inputs, zoneName);
  const routes = mergeRoutes(siteRoutes(inputs.sites.primary, ["sites", "primary"]), siteRoutes(inputs.sites.secondary, ["sites", "secondary"]));
  return { name, ...site, routes, clients: clients ?? false };
}
