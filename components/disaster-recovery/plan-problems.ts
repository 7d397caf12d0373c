import { flattenedDestination } from "../../provider/clients/harbor/replication-rules";
import { oneOfProblem } from "../../provider/validation";
import { BACKEND_SETTINGS, type FailoverBackend, foreignSettingsMessage } from "../../provider/failover";
import { standbyPathProblems } from "./standby-paths";
import { PRIMARY_HINT, PRIMARY_KINDS, REPLICATION_HINT, REPLICATION_PATHS, SITE_HINT, SITE_KINDS } from "./plan-choices";

const SETTINGS_BLOCKS = ["alicloud", "rfc2136", "google"] as const;
const isFailoverBackend = (value: unknown): value is FailoverBackend => typeof value === "string" && Object.hasOwn(BACKEND_SETTINGS, value);
import { DEFAULT_FLATTEN, RepositorySelection, directPatternProblem, isRepositoryPattern, selectionProblems } from "./repository-selection";

/**
 * The rules across a DR plan's parts (which the shapes alone do not say), shared by the
 * RegistryDisasterRecovery component and the offline `registry-dr plan check`. Pulumi-free:
 * a value not known yet (an Output) is skipped through `pending`.
 */

export interface PlanIssue {
  path: (string | number)[];
  message: string;
}

/** The plan's parts as these rules read them (the component's args or the parsed stack config). */
export interface PlanShape {
  primary: { harbor?: unknown; registry?: unknown; auth?: unknown };
  protect: RepositorySelection;
  sites: Record<
    string,
    {
      acrEnterprise?: { createAccessKey?: boolean };
      artifactRegistry?: { createKey?: boolean };
      registry?: { url?: unknown; namespace?: unknown };
      replication: { harbor?: { flatten?: number }; direct?: { flatten?: number } };
    }
  >;
  failover?: {
    standby?: string;
    values?: Record<string, unknown>;
    active?: string;
    reverse?: unknown;
    record?: { backend?: unknown; alicloud?: unknown; rfc2136?: unknown; google?: unknown };
  };
  watch?: unknown;
}

export function planProblems(plan: PlanShape, pending: (value: unknown) => boolean = () => false): PlanIssue[] {
  return [
    ...primaryProblems(plan),
    ...selectionProblems(plan.protect).map((issue) => ({ ...issue, path: ["protect", ...issue.path] })),
    ...siteProblems(plan, pending),
    ...failoverProblems(plan, pending),
    ...watchProblems(plan),
  ];
}

/** The watcher feeds the direct path: Harbor's event-based replication already serves harbor-path sites. */
function watchProblems(plan: PlanShape): PlanIssue[] {
  if (plan.watch === undefined || plan.sites === null || typeof plan.sites !== "object") return [];
  if (plan.failover?.reverse === true)
    return [
      {
        path: ["watch"],
        message:
          "expected no watch while the direct copy runs backwards (failover.reverse): the watcher copies the primary to the sites, and its resync would overwrite what is pushed to the standby; remove watch while the standby serves, add it back with reverse",
      },
    ];
  if (Object.values(plan.sites).some((site) => site?.replication?.direct !== undefined)) return [];
  return [
    {
      path: ["watch"],
      message:
        "expected a site with replication.direct: the watcher copies on the direct path (Harbor's event-based replication already serves harbor-path sites)",
    },
  ];
}

function primaryProblems(plan: PlanShape): PlanIssue[] {
  const primary = plan.primary;
  const kind = oneOfProblem(PRIMARY_KINDS, primary, PRIMARY_HINT);
  if (kind) return [{ path: ["primary"], message: kind }];
  if (primary.harbor !== undefined && primary.auth !== undefined)
    return [{ path: ["primary", "auth"], message: "expected no auth with harbor: Harbor's own user reads the primary" }];
  return [];
}

function siteProblems(plan: PlanShape, pending: (value: unknown) => boolean): PlanIssue[] {
  const sites = plan.sites;
  if (sites === null || typeof sites !== "object" || Object.keys(sites).length === 0)
    return [{ path: ["sites"], message: "expected a map of site name to {acrEnterprise | artifactRegistry | registry, replication}" }];
  const issues: PlanIssue[] = [];
  for (const [site, siteArgs] of Object.entries(sites)) {
    const at =
      (...path: (string | number)[]) =>
      (message: string) =>
        issues.push({ path: ["sites", site, ...path], message });
    if (!/^[a-z][a-z0-9-]{0,39}$/.test(site)) at()("expected a site name of lower-case letters, digits and hyphens, such as hangzhou (it names resources)");
    if (site === "primary") at()('expected another name: "primary" is the primary registry');
    const kind = oneOfProblem(SITE_KINDS, siteArgs, SITE_HINT);
    if (kind) at()(kind);
    const registry = siteArgs?.registry;
    if (registry) {
      if (!pending(registry.url) && !(typeof registry.url === "string" && /^https?:\/\/[^\s/]+\/?$/.test(registry.url)))
        at("registry", "url")("expected the registry's URL, such as https://registry.example.com");
      if (!pending(registry.namespace) && !(typeof registry.namespace === "string" && /^[a-z0-9]+([._/-][a-z0-9]+)*$/.test(registry.namespace)))
        at("registry", "namespace")("expected the namespace copies go under, such as dr");
    }
    const replication = siteArgs?.replication;
    const pathProblem = oneOfProblem(REPLICATION_PATHS, replication, REPLICATION_HINT);
    if (pathProblem) {
      at("replication")(pathProblem);
      continue;
    }
    const path = replication.harbor !== undefined ? "harbor" : "direct";
    if (path === "harbor" && plan.primary?.harbor === undefined)
      at("replication", "harbor")("expected primary.harbor: Harbor's replication runs in the primary Harbor");
    if (path === "harbor") {
      const withoutKey =
        siteArgs.acrEnterprise?.createAccessKey === false
          ? "acrEnterprise.createAccessKey"
          : siteArgs.artifactRegistry?.createKey === false
            ? "artifactRegistry.createKey"
            : undefined;
      if (withoutKey) at("replication", "harbor")(`expected ${withoutKey} true (the default): Harbor's endpoint for the site logs in with the key it creates`);
    }
    const flatten = (path === "harbor" ? replication.harbor : replication.direct)?.flatten;
    if (flatten !== undefined && !(Number.isInteger(flatten) && flatten >= -1 && flatten <= 3))
      at("replication", path, "flatten")("expected a flattening level: -1 (all), 0 (none), 1, 2 or 3");
    else {
      const tooDeep = flattenProblem(plan.protect?.repositories ?? [], flatten);
      if (tooDeep) at("replication", path, "flatten")(`expected a level below the path length of every named repository: ${tooDeep}`);
    }
    const patterns = (plan.protect?.repositories ?? []).filter((entry): entry is string => typeof entry === "string" && isRepositoryPattern(entry));
    const refused =
      path === "direct"
        ? patterns.map((pattern) => [pattern, directPatternProblem(pattern, flatten ?? DEFAULT_FLATTEN)] as const).filter(([, problem]) => problem)
        : [];
    for (const [pattern, problem] of refused) at("replication", "direct")(`${pattern}: ${problem}`);
  }
  return issues;
}

function failoverProblems(plan: PlanShape, pending: (value: unknown) => boolean): PlanIssue[] {
  const failover = plan.failover;
  if (failover === undefined) return [];
  if (failover === null || typeof failover !== "object") return [{ path: ["failover"], message: "expected {record, values, active, standby?}" }];
  const issues: PlanIssue[] = [];
  const siteNames = Object.keys(plan.sites ?? {});
  if (failover.standby === undefined && siteNames.length > 1)
    issues.push({ path: ["failover", "standby"], message: `expected the site the record fails over to: one of ${siteNames.join(", ")}` });
  const standby = failover.standby ?? siteNames[0];
  if (failover.standby !== undefined && !siteNames.includes(standby))
    issues.push({ path: ["failover", "standby"], message: `expected one of the sites: ${siteNames.join(", ")}` });
  if (siteNames.includes(standby)) issues.push(...standbyPathProblems(plan, standby, pending));
  if (failover.active !== "primary" && failover.active !== standby)
    issues.push({ path: ["failover", "active"], message: `expected "primary" or "${standby}" (the standby)` });
  for (const side of ["primary", standby]) {
    const value = failover.values?.[side];
    if (value === undefined || (!pending(value) && (typeof value !== "string" || value === "")))
      issues.push({
        path: ["failover", "values", side],
        message: `expected the record's value while ${side} serves: a host name (CNAME) or an address (A, AAAA)`,
      });
  }
  if (failover.reverse === true && plan.sites?.[standby]?.replication?.harbor)
    issues.push({
      path: ["failover", "reverse"],
      message: `expected a direct copy to ${standby}: Harbor's replication pushes from the primary only; copy back with registry-dr sync --reverse instead`,
    });
  const record = failover.record;
  if (record === null || typeof record !== "object")
    issues.push({
      path: ["failover", "record"],
      message: "expected {backend, zone, name, type, ttl?, ...}: a FailoverRecord without sites, active and readiness",
    });
  else if (isFailoverBackend(record.backend)) issues.push(...backendSettingsProblems(record, record.backend));
  return issues;
}

/** One backend, with only its own settings block (the record's own check judges the block's content). */
function backendSettingsProblems(record: NonNullable<NonNullable<PlanShape["failover"]>["record"]>, backend: FailoverBackend): PlanIssue[] {
  const own = BACKEND_SETTINGS[backend];
  return SETTINGS_BLOCKS.filter((settings) => settings !== own && record[settings] !== undefined).map((settings) => ({
    path: ["failover", "record", settings],
    message: foreignSettingsMessage(settings, backend),
  }));
}

/** Harbor fails a run on a repository too short for the flattening; said here, before any copy. */
function flattenProblem(repositories: unknown[], flatten: number | undefined): string | undefined {
  for (const repository of repositories) {
    if (typeof repository !== "string" || isRepositoryPattern(repository)) continue;
    try {
      flattenedDestination(repository, "namespace", flatten ?? DEFAULT_FLATTEN);
    } catch (error) {
      return (error as Error).message;
    }
  }
  return undefined;
}
