export * as oci from "./oci";
export * as harbor from "./harbor";
export * as alicloud from "./alicloud";
export * as http from "./http";
export * as google from "./google";
