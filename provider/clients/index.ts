export * as oci from "./oci";
export * as harbor from "./harbor";
