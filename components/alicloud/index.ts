export * from "./acr-enterprise-target";
export * from "./private-zone-failover";
export * from "./data-center-failover";
