export * from "./cloud-registry-hosts";
