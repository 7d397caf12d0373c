import * as pulumi from "@pulumi/pulumi";
import { AcrEnterpriseTarget, type AcrEnterpriseTargetArgs } from "../alicloud/acr-enterprise-target";
import { ArtifactRegistryTarget, type ArtifactRegistryTargetArgs } from "../gcp/artifact-registry-target";
import { registryHostOf } from "../../provider/clients/registry-hosts";

/**
 * One DR site's target, built from whichever kind the plan names, seen the same way by both
 * copy paths: where copies go, how a copier logs in, and Harbor's endpoint arguments.
 */

/** Any other registry: its URL, the namespace copies go under, and a login. */
export interface PlainRegistryArgs {
  /** "https://registry.example.com" (http:// only for a test registry on loopback). */
  url: pulumi.Input<string>;
  namespace: pulumi.Input<string>;
  username?: pulumi.Input<string>;
  /** Stored as a secret. */
  password?: pulumi.Input<string>;
  /** Plain HTTP, or TLS without verifying the certificate. */
  insecure?: pulumi.Input<boolean>;
  /** A PEM file with the registry's CA certificate(s): a private CA is trusted, never skipped with `insecure`. */
  caFile?: pulumi.Input<string>;
  /** The registry's CA certificate(s) as PEM text. */
  ca?: pulumi.Input<string>;
}

/** Exactly one kind of site: an ACR Enterprise instance, an Artifact Registry repository, or any registry. */
export type SiteTargetArgs =
  | { acrEnterprise: AcrEnterpriseTargetArgs; artifactRegistry?: undefined; registry?: undefined }
  | { artifactRegistry: ArtifactRegistryTargetArgs; acrEnterprise?: undefined; registry?: undefined }
  | { registry: PlainRegistryArgs; acrEnterprise?: undefined; artifactRegistry?: undefined };

export interface HarborEndpointArgs {
  type: "ali-acr" | "google-gcr" | "docker-registry";
  url: string;
  accessKey?: string;
  accessSecret?: string;
  insecure?: boolean;
}

export interface SiteEndpoint {
  /** The registry host copies are pushed to and pulled from. */
  registry: pulumi.Output<string>;
  /** The namespace under it (for Artifact Registry `<project>/<repository>`). */
  namespace: pulumi.Output<string>;
  /** ImageSync `auth` entries for the site (secret). */
  syncAuth: pulumi.Output<Record<string, unknown>>;
  /** HarborRegistry's arguments (secret: they hold the credential). */
  harborEndpoint: pulumi.Output<HarborEndpointArgs | undefined>;
  /** For an Artifact Registry site: the project Harbor's rule must stay inside. */
  googleProject?: pulumi.Output<string>;
  /** The site's registry as the failover preflight probes it. */
  probe: pulumi.Output<string>;
  insecure: pulumi.Output<boolean>;
  /** The CA the copies and the preflight trust the site's registry with (the failover record's site `caFile`/`ca`). */
  trust: SiteTrust;
  /** The component created for the site, if any. */
  target?: AcrEnterpriseTarget | ArtifactRegistryTarget;
}

export interface SiteTrust {
  caFile?: pulumi.Input<string>;
  ca?: pulumi.Input<string>;
}

export function buildSiteEndpoint(name: string, site: SiteTargetArgs, parent: pulumi.Resource): SiteEndpoint {
  if (site.acrEnterprise) return acrEndpoint(new AcrEnterpriseTarget(name, site.acrEnterprise, { parent }));
  if (site.artifactRegistry) return artifactRegistryEndpoint(new ArtifactRegistryTarget(name, site.artifactRegistry, { parent }));
  return plainEndpoint(site.registry);
}

function acrEndpoint(target: AcrEnterpriseTarget): SiteEndpoint {
  return {
    registry: target.registryEndpoint,
    namespace: target.namespaceName,
    syncAuth: target.syncAuth,
    // Harbor's ali-acr adapter logs in to the Enterprise instance with the RAM key, as ImageSync does.
    harborEndpoint: pulumi.secret(
      pulumi
        .all([target.registryEndpoint, target.accessKeyId, target.accessKeySecret])
        .apply(([endpoint, accessKey, accessSecret]) =>
          accessKey && accessSecret ? { type: "ali-acr" as const, url: `https://${endpoint}`, accessKey, accessSecret } : undefined,
        ),
    ),
    probe: target.registryEndpoint,
    insecure: pulumi.output(false),
    trust: {},
    target,
  };
}

function artifactRegistryEndpoint(target: ArtifactRegistryTarget): SiteEndpoint {
  return {
    registry: target.registryHost,
    namespace: target.repositoryPath,
    syncAuth: target.syncAuth.apply((auth) => auth ?? {}),
    harborEndpoint: target.harborEndpoint,
    googleProject: target.repository.project,
    probe: target.registryHost,
    insecure: pulumi.output(false),
    trust: {},
    target,
  };
}

function plainEndpoint(registry: PlainRegistryArgs): SiteEndpoint {
  const host = pulumi.output(registry.url).apply(registryHostOf);
  const insecure = pulumi.output(registry.insecure ?? false);
  const trust: SiteTrust = {
    ...(registry.caFile !== undefined ? { caFile: registry.caFile } : {}),
    ...(registry.ca !== undefined ? { ca: registry.ca } : {}),
  };
  return {
    registry: host,
    namespace: pulumi.output(registry.namespace),
    syncAuth: pulumi.secret(
      pulumi
        .all([host, registry.username, registry.password, insecure, registry.caFile, registry.ca])
        .apply(([host, username, password, insecure, caFile, ca]) => ({
          [host]: {
            ...(username !== undefined && password !== undefined ? { username, password } : {}),
            ...(insecure ? { insecure } : {}),
            ...(caFile !== undefined ? { caFile } : {}),
            ...(ca !== undefined ? { ca } : {}),
          },
        })),
    ),
    harborEndpoint: pulumi.secret(
      pulumi.all([registry.url, registry.username, registry.password, insecure]).apply(([url, accessKey, accessSecret, insecure]) => ({
        type: "docker-registry" as const,
        url: url.replace(/\/+$/, ""),
        ...(accessKey !== undefined ? { accessKey } : {}),
        ...(accessSecret !== undefined ? { accessSecret } : {}),
        ...(insecure ? { insecure } : {}),
      })),
    ),
    probe: pulumi.output(registry.url),
    insecure,
    trust,
  };
}
