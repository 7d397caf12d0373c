import { HostRoutes, TlsTrust, mergeRoutes } from "../clients/http";
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

/**
 * The name clients use: `clients.name`, or the record's own name in its zone where the zone is
 * a DNS name (rfc2136's zone, alidns's domain). A PrivateZone zone is an id and a Cloud DNS
 * managed zone has a name of its own, so there the name must be given.
 */
export function clientNameOf(inputs: ClientInputs): string | undefined {
  const given = inputs.clients?.name;
  if (given) return given.replace(/\.$/, "").toLowerCase();
  if (inputs.backend !== "rfc2136" && inputs.backend !== "alidns") return undefined;
  const zone = inputs.zone.replace(/\.$/, "").toLowerCase();
  return inputs.name === "@" ? zone : `${inputs.name.toLowerCase()}.${zone}`;
}

/** The client view, or undefined without `clients`; throws a ConfigError for settings check() would refuse. */
export function clientViewOf(inputs: ClientInputs): ClientView | undefined {
  const clients = inputs.clients;
  if (!clients) return undefined;
  const problems = clientSettingsProblems(inputs);
  if (problems.length) throw new ConfigError(problems);
  const trust = trustOf(clients, ["clients"]);
  return {
    name: clientNameOf(inputs)!,
    port: clients.port ?? 443,
    ...(trust ? { trust } : {}),
    insecure: clients.insecure ?? false,
    ...(clients.credential ? { credential: clients.credential } : {}),
    primaryRegistry: registryHostOf(inputs.sites.primary.registry),
  };
}

/** What check() says of `clients` and of the sites' CAs: a name that cannot be derived, files that are not PEM. */
export function clientSettingsProblems(inputs: ClientInputs): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (inputs.clients && clientNameOf(inputs) === undefined)
    issues.push({
      path: ["clients", "name"],
      message: `expected the name clients pull through, such as registry.dr.example.com: a ${inputs.backend} record's zone is ${inputs.backend === "privatezone" ? "an id" : "the managed zone's own name"}, so it cannot be derived`,
    });
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
 * the primary as the source), and (with `clients`) the client view through the name.
 */
export function failoverSiteOf(inputs: ClientInputs, name: FailoverSiteName): FailoverSite {
  const { caFile: _caFile, ca: _ca, ...site } = inputs.sites[name];
  const clients = clientViewOf(inputs);
  const routes = mergeRoutes(siteRoutes(inputs.sites.primary, ["sites", "primary"]), siteRoutes(inputs.sites.secondary, ["sites", "secondary"]));
  return { name, ...site, routes, ...(clients ? { clients } : {}) };
}
