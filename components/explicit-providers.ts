import * as alicloud from "@pulumi/alicloud";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { AlicloudCredentialsArgs, CloudDnsArgs } from "../provider/resources";

/**
 * What an explicit `provider`/`providers` option means for a component's dynamic children.
 * A dynamic resource cannot use a Pulumi provider resource: it calls the cloud's API itself,
 * with credentials in its (secret) inputs, else the `alicloud:*`/`gcp:*` stack config. So a
 * component given a provider hands that provider's own inputs (its key and region, its project
 * and service-account key) to its dynamic children. A provider that holds no key the children
 * can use (a profile, an assumed role, an ECS role, a key file's path, an access token) is
 * refused with a message instead of silently writing with the stack config's account.
 */

/** The alicloud provider the component's cloud children use when one was given explicitly (directly or through a parent). */
export function explicitAlicloudProvider(component: pulumi.Resource): alicloud.Provider | undefined {
  const provider = component.getProvider("alicloud::");
  return provider !== undefined && alicloud.Provider.isInstance(provider) ? provider : undefined;
}

/** The gcp provider the component's cloud children use when one was given explicitly. */
export function explicitGcpProvider(component: pulumi.Resource): gcp.Provider | undefined {
  const provider = component.getProvider("gcp::");
  return provider !== undefined && gcp.Provider.isInstance(provider) ? provider : undefined;
}

/**
 * The credentials a dynamic child calls Alibaba Cloud with: `given` (the component's own
 * argument) when set, else the explicit provider's key and region (secret), else undefined
 * (the child's default: the `alicloud:*` stack config, then ALICLOUD_* variables).
 */
export function alicloudCredentialsFor(
  component: pulumi.Resource,
  describe: string,
  given: pulumi.Input<AlicloudCredentialsArgs> | undefined,
): pulumi.Input<AlicloudCredentialsArgs> | undefined {
  if (given !== undefined) return given;
  const provider = explicitAlicloudProvider(component);
  if (!provider) return undefined;
  return pulumi.secret(
    pulumi.all([provider.accessKey, provider.secretKey, provider.securityToken, provider.region]).apply(([accessKey, secretKey, securityToken, region]) => {
      if (!accessKey || !secretKey) {
        throw new Error(
          `${describe}: the alicloud provider given to it holds no accessKey and secretKey, and its DNS record calls Alibaba Cloud's API itself (a dynamic resource cannot use a provider's profile, assumed role or ECS role); give the provider accessKey and secretKey, or give the component alicloud: {accessKey, secretKey}`,
        );
      }
      return { accessKey, secretKey, ...(securityToken ? { securityToken } : {}), ...(region ? { region } : {}) };
    }),
  );
}

/**
 * Cloud DNS settings for a dynamic child: `given` fields first, then the explicit gcp
 * provider's project and service-account key (its `credentials` holding the key's JSON text).
 */
export function cloudDnsSettingsFor(
  component: pulumi.Resource,
  describe: string,
  given: pulumi.Input<CloudDnsArgs> | undefined,
  project: pulumi.Input<string> | undefined,
): pulumi.Input<CloudDnsArgs> | undefined {
  const provider = explicitGcpProvider(component);
  if (!provider) {
    if (project === undefined) return given;
    return pulumi.all([given, project]).apply(([settings, project]) => ({ ...settings, project: settings?.project ?? project }));
  }
  return pulumi.secret(
    pulumi.all([given, project, provider.project, provider.credentials]).apply(([settings, project, providerProject, credentials]) => {
      const serviceAccountKey = settings?.serviceAccountKey ?? credentials;
      if (!serviceAccountKey?.trim().startsWith("{")) {
        throw new Error(
          `${describe}: the gcp provider given to it holds no service-account key's JSON text in credentials, and its DNS record calls Cloud DNS itself (a dynamic resource cannot use a provider's key file, access token or application-default login); give the provider credentials: the key's JSON text, or give the component google: {serviceAccountKey}`,
        );
      }
      const chosenProject = settings?.project ?? project ?? providerProject;
      return { ...settings, serviceAccountKey, ...(chosenProject ? { project: chosenProject } : {}) };
    }),
  );
}

/**
 * The region the component's alicloud children are created in: the explicit provider's, else
 * the default provider's (`alicloud:region`, then ALICLOUD_REGION); undefined when none is set.
 */
export function alicloudProviderRegion(component: pulumi.Resource): pulumi.Output<string | undefined> {
  const provider = explicitAlicloudProvider(component);
  if (provider) return provider.region;
  return pulumi.output(new pulumi.Config("alicloud").get("region") ?? process.env.ALICLOUD_REGION);
}
