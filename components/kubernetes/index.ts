export { SyncSchedule } from "./sync-schedule";
export { MAX_SHARDS, type SyncScheduleArgs, type SyncScheduleConfig } from "./sync-schedule-args";
export type { SyncFlags } from "./sync-flags";
