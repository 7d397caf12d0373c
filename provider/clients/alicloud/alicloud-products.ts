/**
 * The Alibaba Cloud products this project calls, their API versions and public endpoints.
 * Product keys are the ones `@pulumi/alicloud` uses in its `endpoints` config, so one
 * override list points both at the same place (a VPC endpoint, or a local stand-in).
 */

export type AlicloudProduct = "pvtz" | "alidns" | "cr";

export const API_VERSIONS: Record<AlicloudProduct, string> = {
  pvtz: "2018-01-01",
  alidns: "2015-01-09",
  cr: "2018-12-01",
};

/** "https://pvtz.aliyuncs.com"; ACR's API is regional. */
export function defaultEndpoint(product: AlicloudProduct, region: string | undefined): string {
  switch (product) {
    case "pvtz":
      return "https://pvtz.aliyuncs.com";
    case "alidns":
      return "https://alidns.aliyuncs.com";
    case "cr":
      if (!region) throw new Error("the Container Registry API is regional: set alicloud:region (or ALICLOUD_REGION), or give the region with the instance");
      return `https://cr.${region}.aliyuncs.com`;
  }
}

/** An endpoint as written in config: a bare host means HTTPS, as @pulumi/alicloud reads it. */
export function endpointUrl(endpoint: string): URL {
  const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `https://${endpoint}`);
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error(`endpoint ${endpoint}: expected a host name or an http(s) URL`);
  return url;
}
