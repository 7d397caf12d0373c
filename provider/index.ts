export * as oci from "./clients/oci";
export * from "./sync";
export * from "./validation";
