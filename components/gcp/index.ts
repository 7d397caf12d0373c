export * from "./artifact-registry-target";
export * from "./cloud-dns-failover";
