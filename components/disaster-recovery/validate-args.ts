import { ArgumentChecks, isKnown } from "../argument-checks";
import { isEventual } from "../eventual";
import { harborConnectionSchema } from "../../provider/resources/harbor/harbor-connection-input";
import { flattenedDestination } from "../../provider/clients/harbor/replication-rules";
import { DEFAULT_FLATTEN, isRepositoryPattern, selectionProblems } from "./repository-selection";
import type { RegistryDisasterRecoveryArgs } from "../registry-disaster-recovery";

/**
 * RegistryDisasterRecovery's arguments as far as they are known while the program runs; the
 * site targets, the Harbor resources, ImageSync and the FailoverRecord check their own.
 */
export function validateDisasterRecoveryArgs(name: string, args: RegistryDisasterRecoveryArgs): void {
  if (args === undefined || args === null || typeof args !== "object") throw new Error(`RegistryDisasterRecovery ${name}: expected args {primary, protect, sites, failover?}`);
  const check = new ArgumentChecks("RegistryDisasterRecovery", name);
  checkPrimary(check, args);
  if (args.protect === null || typeof args.protect !== "object") check.fail("protect", "expected {repositories, tags?, tagDecoration?}", args.protect);
  for (const problem of selectionProblems(args.protect)) check.fail(`protect.${problem.path.join(".")}`, problem.message, problem.path.reduce<unknown>((value, key) => (value as Record<string, unknown>)?.[key], args.protect));
  checkSites(check, args);
  checkFailover(check, args);
}

function checkPrimary(check: ArgumentChecks, args: RegistryDisasterRecoveryArgs): void {
  const primary = args.primary;
  if (primary === null || typeof primary !== "object" || (primary.harbor === undefined) === (primary.registry === undefined)) {
    check.fail("primary", "expected {harbor: {url, username, password}} or {registry, auth?}, one of them", primary);
  }
  if (primary.harbor !== undefined) {
    if (!isEventual(primary.harbor) && Object.values(primary.harbor).every((value) => !isEventual(value))) check.schema("primary.harbor", primary.harbor, harborConnectionSchema());
    if (primary.auth !== undefined) check.fail("primary.auth", "expected no auth with harbor: Harbor's own user reads the primary", "(given)");
  } else check.rule("primary.registry", primary.registry, (value: string) => /^(https?:\/\/)?[A-Za-z0-9.-]+(:\d+)?\/?$/.test(value), 'a registry "host[:port]" or URL, such as harbor.example.com', true);
}

function checkSites(check: ArgumentChecks, args: RegistryDisasterRecoveryArgs): void {
  const sites = args.sites;
  if (sites === null || typeof sites !== "object" || Object.keys(sites).length === 0) check.fail("sites", "expected a map of site name to {acrEnterprise | artifactRegistry | registry, replication}", sites);
  for (const [site, siteArgs] of Object.entries(sites)) {
    if (!/^[a-z][a-z0-9-]{0,39}$/.test(site)) check.fail(`sites.${site}`, "expected a site name of lower-case letters, digits and hyphens, such as hangzhou (it names resources)", site);
    if (site === "primary") check.fail(`sites.${site}`, 'expected another name: "primary" is the primary registry', site);
    const kinds = (["acrEnterprise", "artifactRegistry", "registry"] as const).filter((kind) => siteArgs?.[kind] !== undefined);
    if (kinds.length !== 1) check.fail(`sites.${site}`, "expected exactly one of acrEnterprise, artifactRegistry or registry", kinds);
    if (siteArgs.registry) {
      check.rule(`sites.${site}.registry.url`, siteArgs.registry.url, (url: string) => /^https?:\/\/[^\s/]+\/?$/.test(url), "the registry's URL, such as https://registry.example.com", true);
      check.rule(`sites.${site}.registry.namespace`, siteArgs.registry.namespace, (namespace: string) => /^[a-z0-9]+([._/-][a-z0-9]+)*$/.test(namespace), "the namespace copies go under, such as dr", true);
    }
    const replication = siteArgs.replication;
    const paths = replication === null || typeof replication !== "object" ? [] : (["harbor", "direct"] as const).filter((path) => replication[path] !== undefined);
    if (paths.length !== 1) check.fail(`sites.${site}.replication`, "expected {harbor: {...}} (Harbor's replication) or {direct: {...}} (a direct image-syncer copy), one of them", replication);
    if (paths[0] === "harbor" && args.primary.harbor === undefined) check.fail(`sites.${site}.replication.harbor`, "expected primary.harbor: Harbor's replication runs in the primary Harbor", replication);
    const flatten = replication.harbor?.flatten ?? replication.direct?.flatten;
    check.rule(`sites.${site}.replication.${paths[0]}.flatten`, flatten, (level: number) => Number.isInteger(level) && level >= -1 && level <= 3, "a flattening level: -1 (all), 0 (none), 1, 2 or 3");
    const tooDeep = flattenProblem(args.protect.repositories, flatten);
    if (tooDeep) check.fail(`sites.${site}.replication.${paths[0]}.flatten`, `expected a level below the path length of every named repository: ${tooDeep}`, flatten);
    if (paths[0] === "direct") {
      const patterns = args.protect.repositories.filter(isRepositoryPattern);
      if (patterns.length > 0) check.fail(`sites.${site}.replication.direct`, `expected named repositories for a direct copy (such as library/nginx); ${patterns.join(", ")} needs the harbor path`, patterns);
    }
  }
}

function checkFailover(check: ArgumentChecks, args: RegistryDisasterRecoveryArgs): void {
  const failover = args.failover;
  if (failover === undefined) return;
  if (failover === null || typeof failover !== "object") check.fail("failover", "expected {record, values, active, standby?}", failover);
  const siteNames = Object.keys(args.sites);
  if (failover.standby === undefined && siteNames.length > 1) check.fail("failover.standby", `expected the site the record fails over to: one of ${siteNames.join(", ")}`, failover.standby);
  const standby = failover.standby ?? siteNames[0];
  if (!siteNames.includes(standby)) check.fail("failover.standby", `expected one of the sites: ${siteNames.join(", ")}`, standby);
  if (failover.active !== "primary" && failover.active !== standby) check.fail("failover.active", `expected "primary" or "${standby}" (the standby)`, failover.active);
  for (const side of ["primary", standby]) {
    const value = failover.values?.[side];
    if (value === undefined || (isKnown(value) && (typeof value !== "string" || value === ""))) check.fail(`failover.values.${side}`, `expected the record's value while ${side} serves: a host name (CNAME) or an address (A, AAAA)`, value);
  }
  if (failover.record === null || typeof failover.record !== "object") check.fail("failover.record", "expected {backend, zone, name, type, ttl?, ...}: a FailoverRecord without sites, active and readiness", failover.record);
}

/** Harbor fails a run on a repository too short for the flattening; said here, before any copy. */
function flattenProblem(repositories: string[], flatten: number | undefined): string | undefined {
  const level = flatten ?? DEFAULT_FLATTEN;
  for (const repository of repositories.filter((entry) => !isRepositoryPattern(entry))) {
    try {
      flattenedDestination(repository, "namespace", level);
    } catch (error) {
      return (error as Error).message;
    }
  }
  return undefined;
}
