export * from "./failover-record";
export * from "./record-rules";
