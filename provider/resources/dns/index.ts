export * from "./failover-record";
