import { flattenedDestination, harborPattern } from "../../provider/clients/harbor/replication-rules";
import { parseReference } from "../../provider/clients/oci/reference";
import { mapperFromJob, type ReferenceMapper } from "../../provider/rewrite/reference-mapping";
import { acrEnterpriseHost, artifactRegistryHost, artifactRegistryPath, registryHostOf } from "../../provider/clients/registry-hosts";
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
  const primary = registryHostOf(plan.primary.harbor ? plan.primary.harbor.url : plan.primary.registry);
  const replication = siteArgs.replication;
  const destination: CopyDestination = {
    ...siteDestination(site, siteArgs),
    flatten: (replication.harbor ? replication.harbor.flatten : replication.direct.flatten) ?? DEFAULT_FLATTEN,
  };
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
    if (ref.registry !== primary || !patterns.some((pattern) => pattern.test(ref.repository)) || !tagCopied(ref.tag ?? (ref.digest ? undefined : "latest")))
      return undefined;
    try {
      return `${destination.registry}/${flattenedDestination(ref.repository, destination.namespace, destination.flatten)}${ref.tag ? `:${ref.tag}` : ""}${ref.digest ? `@${ref.digest}` : ""}`;
    } catch {
      return undefined;
    }
  };
}

/** The site's registry host and namespace, as the component's targets name them. */
function siteDestination(site: string, args: DrPlan["sites"][string]): { registry: string; namespace: string } {
  if (args.registry) return { registry: registryHostOf(args.registry.url), namespace: args.registry.namespace };
  if (args.acrEnterprise) {
    const acr = args.acrEnterprise;
    if (!acr.instanceName)
      throw new Error(`sites.${site}.acrEnterprise: give instanceName, which the registry endpoint is named after (it is looked up only when the stack runs)`);
    return { registry: acrEnterpriseHost(acr.instanceName, acr.region), namespace: acr.namespace };
  }
  const ar = args.artifactRegistry;
  if (!ar.project) throw new Error(`sites.${site}.artifactRegistry: give project, which the repository path starts with`);
  if (ar.gcrHost) return { registry: ar.gcrHost, namespace: artifactRegistryPath(ar.project, { gcrHost: ar.gcrHost }) };
  if (!ar.location || !ar.repositoryId) throw new Error(`sites.${site}.artifactRegistry: expected repositoryId and location, or gcrHost alone`);
  return { registry: artifactRegistryHost(ar.location), namespace: artifactRegistryPath(ar.project, { repositoryId: ar.repositoryId }) };
}
