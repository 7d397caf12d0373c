import { flattenedDestination, harborPattern } from "../../provider/clients/harbor/replication-rules";
import { parseReference } from "../../provider/clients/oci/reference";
import { mapperFromJob, type ReferenceMapper } from "../../provider/rewrite/reference-mapping";
import type { DrPlan } from "./plan-schema";
import { CopyDestination, DEFAULT_FLATTEN, directImages, explicitRepositories, isRepositoryPattern, tagGlobSource } from "./repository-selection";

/**
 * Where a DR plan puts the primary's images at one site, known offline from the plan alone:
 * named repositories through the sync engine's own mapping (the plan's direct form), Harbor
 * patterns such as `library/**` through Harbor's flattening. Pulumi-free (for `rewrite --plan`).
 */
export function planSiteMapper(plan: DrPlan, site: string): ReferenceMapper {
  const siteArgs = plan.sites[site];
  if (!siteArgs) throw new Error(`no site "${site}" in the plan: expected one of ${Object.keys(plan.sites).join(", ")}`);
  const primary = hostOf(plan.primary.harbor?.url ?? plan.primary.registry!);
  const destination: CopyDestination = { ...siteDestination(site, siteArgs), flatten: siteArgs.replication.harbor?.flatten ?? siteArgs.replication.direct?.flatten ?? DEFAULT_FLATTEN };
  const named = explicitRepositories(plan.protect);
  const byName = named.length > 0 ? mapperFromJob({ images: directImages({ ...plan.protect, repositories: named }, primary, destination) }) : () => undefined;
  const patterns = plan.protect.repositories.filter(isRepositoryPattern).map(harborPattern);
  const tags = plan.protect.tags === undefined ? undefined : new RegExp(`^${tagGlobSource(plan.protect.tags)}$`);
  const tagCopied = (tag: string | undefined) => tags === undefined || tag === undefined || tags.test(tag) !== (plan.protect.tagDecoration === "excludes");
  return (reference) => {
    const mapped = byName(reference);
    if (mapped !== undefined) return mapped;
    let ref;
    try {
      ref = parseReference(reference.trim());
    } catch {
      return undefined;
    }
    if (ref.registry !== primary || !patterns.some((pattern) => pattern.test(ref.repository)) || !tagCopied(ref.tag ?? (ref.digest ? undefined : "latest"))) return undefined;
    try {
      return `${destination.registry}/${flattenedDestination(ref.repository, destination.namespace, destination.flatten)}${ref.tag ? `:${ref.tag}` : ""}${ref.digest ? `@${ref.digest}` : ""}`;
    } catch {
      return undefined;
    }
  };
}

/** The site's registry host and namespace, as the component's targets name them. */
function siteDestination(site: string, args: DrPlan["sites"][string]): { registry: string; namespace: string } {
  if (args.registry) return { registry: hostOf(args.registry.url), namespace: args.registry.namespace };
  if (args.acrEnterprise) {
    const acr = args.acrEnterprise;
    if (!acr.instanceName) throw new Error(`sites.${site}.acrEnterprise: give instanceName, which the registry endpoint is named after (it is looked up only when the stack runs)`);
    return { registry: `${acr.instanceName}-registry.${acr.region}.cr.aliyuncs.com`, namespace: acr.namespace };
  }
  const ar = args.artifactRegistry!;
  if (!ar.project) throw new Error(`sites.${site}.artifactRegistry: give project, which the repository path starts with`);
  return ar.gcrHost ? { registry: ar.gcrHost, namespace: ar.project } : { registry: `${ar.location}-docker.pkg.dev`, namespace: `${ar.project}/${ar.repositoryId}` };
}

function hostOf(url: string): string {
  return url.replace(/^[a-z]+:\/\//i, "").replace(/\/.*$/, "");
}
