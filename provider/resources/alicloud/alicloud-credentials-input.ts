import type * as pulumi from "@pulumi/pulumi";

/**
 * Alibaba Cloud credentials given to a resource directly, with the same names as the
 * `alicloud:*` stack config keys @pulumi/alicloud reads. Resources wrap them as a secret.
 */
export interface AlicloudCredentialsArgs {
  accessKey: pulumi.Input<string>;
  secretKey: pulumi.Input<string>;
  securityToken?: pulumi.Input<string>;
  region?: pulumi.Input<string>;
}
