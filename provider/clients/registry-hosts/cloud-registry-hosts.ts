/**
 * How the cloud registries name their hosts, in one place: the ACR Enterprise Edition
 * endpoints, Artifact Registry's Docker hosts and the gcr.io hosts it serves. Components
 * build site endpoints from these, the plan maps references with them and the clients
 * recognise the hosts by them, so a host is never spelled two ways. Plain functions,
 * no Pulumi: a component applies them to its outputs.
 */

/** `<instanceName>-registry.<region>.cr.aliyuncs.com`: an ACR Enterprise instance's Internet endpoint. */
export function acrEnterpriseHost(instanceName: string, region: string): string {
  return `${instanceName}-registry.${region}.cr.aliyuncs.com`;
}

/** `<instanceName>-registry-vpc.<region>.cr.aliyuncs.com`: its endpoint for VPCs linked to the instance. */
export function acrEnterpriseVpcHost(instanceName: string, region: string): string {
  return `${instanceName}-registry-vpc.${region}.cr.aliyuncs.com`;
}

/** The gcr.io hosts Artifact Registry serves as "gcr.io repositories", and each one's multi-region. */
export const GCR_HOST_LOCATIONS = { "gcr.io": "us", "us.gcr.io": "us", "eu.gcr.io": "europe", "asia.gcr.io": "asia" } as const;
export type GcrHost = keyof typeof GCR_HOST_LOCATIONS;
export const GCR_HOSTS = Object.keys(GCR_HOST_LOCATIONS) as [GcrHost, ...GcrHost[]];

/** `<location>-docker.pkg.dev`: Artifact Registry's Docker host for a region or multi-region. */
export function artifactRegistryHost(location: string): string {
  return `${location}-docker.pkg.dev`;
}

/**
 * Where an Artifact Registry repository's images go below its host: `<project>/<repositoryId>`,
 * or `<project>` alone for a gcr.io repository (`gcr.io/<project>/<image>`).
 */
export function artifactRegistryPath(project: string, repository: { repositoryId: string } | { gcrHost: GcrHost }): string {
  return "gcrHost" in repository ? project : `${project}/${repository.repositoryId}`;
}

/** Hosts served by Artifact Registry: `<location>-docker.pkg.dev`, gcr.io and its regional hosts. */
export function isArtifactRegistryHost(host: string): boolean {
  const name = host.toLowerCase().replace(/:443$/, "");
  return /^[a-z0-9-]+-docker\.pkg\.dev$/.test(name) || name === "gcr.io" || name.endsWith(".gcr.io");
}

/** A registry as a reference names it: "https://host:port/..." or "host:port" -> "host:port". */
export function registryHostOf(url: string): string {
  return url.replace(/^[a-z]+:\/\//i, "").replace(/\/.*$/, "");
}
