export * from "./failover-record";
export * from "./failover-record-schema";
export * from "./record-rules";
