export type { RecordFields, RecordStore, ServerView, StoredRecord } from "../clients/record-store";
export { RecordOutsideZoneError, RecordWriteError } from "../clients/record-store";
export * from "./failover-preflight";
export * from "./failover-record-schema";
export * from "./failover-switch";
export * from "./record-rules";
export * from "./record-secrets";
export * from "./record-stores";
export * from "./site-readiness";
