export * as http from "./http";
export * as oci from "./oci";
export * as harbor from "./harbor";
export * as alicloud from "./alicloud";
export * as google from "./google";
export * as dns from "./dns";
export * as registryHosts from "./registry-hosts";
