export * as oci from "./oci";
