import { flattenedDestination } from "../../provider/clients/harbor/replication-rules";
import { DNS_FAILOVER_ALTERNATIVES, artifactRegistryProblem } from "../../provider/failover/client-paths";
import { DEFAULT_FLATTEN, isRepositoryPattern } from "./repository-selection";
import type { PlanIssue, PlanShape } from "./plan-problems";

/**
 * Whether a DR plan's standby can take the failover name: after the flip, clients ask it for the
 * primary's repository paths, so its namespace and flattening must put every protected
 * repository exactly there, and Artifact Registry (which serves only its own host names) cannot
 * be the standby at all. Pulumi-free: the component and `registry-dr plan check` say the same.
 */
export function standbyPathProblems(plan: PlanShape, standby: string, pending: (value: unknown) => boolean): PlanIssue[] {
  const site = plan.sites?.[standby];
  if (!site || typeof site !== "object") return [];
  if (site.artifactRegistry !== undefined) {
    const registry = site.artifactRegistry as { gcrHost?: unknown; location?: unknown };
    const host =
      typeof registry.gcrHost === "string"
        ? registry.gcrHost
        : typeof registry.location === "string"
          ? `${registry.location}-docker.pkg.dev`
          : "Artifact Registry";
    return [{ path: ["failover", "standby"], message: artifactRegistryProblem(`the failover standby ${standby} (${host})`) }];
  }
  const kind = site.acrEnterprise !== undefined ? "acrEnterprise" : site.registry !== undefined ? "registry" : undefined;
  const namespace = kind === "acrEnterprise" ? (site.acrEnterprise as { namespace?: unknown }).namespace : site.registry?.namespace;
  if (kind === undefined || typeof namespace !== "string" || pending(namespace)) return [];
  const replication = site.replication;
  const path = replication?.harbor !== undefined ? "harbor" : "direct";
  const flatten = (path === "harbor" ? replication?.harbor?.flatten : replication?.direct?.flatten) ?? DEFAULT_FLATTEN;
  const repositories = (plan.protect?.repositories ?? []).filter((entry): entry is string => typeof entry === "string");
  const deep = kind === "acrEnterprise" ? twoLevelProblems(plan, standby) : [];
  const moved = repositories.map((entry) => movedRepository(entry, namespace, flatten)).filter((line): line is string => line !== undefined);
  if (moved.length === 0) return deep;
  return [
    ...deep,
    {
      path: ["sites", standby, kind, "namespace"],
      message:
        `the failover standby ${standby} holds ${moved.join(", ")} (namespace "${namespace}", flatten ${flatten}): after a DNS flip, clients asking for the primary's paths would get 404 there. ` +
        `${keepingHint(repositories, flatten)}${DNS_FAILOVER_ALTERNATIVES}`,
    },
  ];
}

/** "library/nginx as dr/nginx" when the site moves the repository; undefined when it keeps its path. */
function movedRepository(entry: string, namespace: string, flatten: number): string | undefined {
  if (isRepositoryPattern(entry)) {
    const prefix = /^((?:[a-z0-9._-]+\/)*[a-z0-9._-]+)\/\*\*?$/.exec(entry)?.[1];
    const components = prefix?.split("/") ?? [];
    const oneLevel = entry === `${prefix}/*`;
    const keeps =
      prefix !== undefined &&
      ((flatten >= 1 && flatten <= components.length && components.slice(0, flatten).join("/") === namespace) ||
        (flatten < 0 && oneLevel && prefix === namespace));
    if (keeps) return undefined;
    const landed = flatten < 0 || prefix === undefined ? [namespace] : [namespace, ...components.slice(flatten)];
    return `${prefix ?? entry}/... as ${landed.join("/")}/...`;
  }
  let landed: string;
  try {
    landed = flattenedDestination(entry, namespace, flatten);
  } catch {
    return undefined; // the flattening's own check says this one
  }
  return landed === entry ? undefined : `${entry} as ${landed}`;
}

/** The namespace that would keep the paths, when one does. */
function keepingHint(repositories: string[], flatten: number): string {
  const level = Math.max(flatten, 1);
  const projects = [...new Set(repositories.map((entry) => entry.split("/").slice(0, level).join("/")))];
  if (projects.length === 1 && !isRepositoryPattern(projects[0])) return `Namespace "${projects[0]}" with flatten ${level} keeps them where clients look. `;
  return `The repositories live under ${projects.join(", ")}: no one namespace keeps them all; protect one project per standby. `;
}

/** ACR Enterprise Edition's repositories: `namespace/repository`, no deeper. */
const ACR_ENTERPRISE_LEVELS = 2;

/**
 * ACR Enterprise Edition holds `namespace/repository`: a protected repository deeper than that
 * (`library/team/app`) has no place there under its own path, whatever the namespace and
 * flattening, so clients pulling it through the name would get 404 after the flip. Known here
 * for a named repository and for a pattern every match of which is deeper (`library/team/*`);
 * what a pattern such as `library/**` finds is known only when the copy lists the project, and
 * a deeper repository then fails its copy there, named, with the registry's refusal.
 */
function twoLevelProblems(plan: PlanShape, standby: string): PlanIssue[] {
  const repositories = plan.protect?.repositories ?? [];
  return repositories.flatMap((entry, index) => {
    if (typeof entry !== "string" || shallowestMatch(entry) <= ACR_ENTERPRISE_LEVELS) return [];
    return [
      {
        path: ["protect", "repositories", index],
        message:
          `the failover standby ${standby} is ACR Enterprise Edition, which holds namespace/repository (two levels): ${entry} has ${shallowestMatch(entry)} levels, ` +
          "so no namespace or flattening keeps it at the primary's path there, and clients pulling it through the name after a DNS flip would get 404. " +
          "Fail over to a site of kind registry (a registry that keeps any depth), protect only two-level repositories, " +
          "or keep the copies where they are (flattened) and point workloads at them with `registry-dr rewrite` instead of flipping DNS",
      },
    ];
  });
}

/** The fewest path components a repository the entry selects has (`**` may stand for none). */
function shallowestMatch(entry: string): number {
  return entry.split("/").filter((component) => component !== "**").length;
}
