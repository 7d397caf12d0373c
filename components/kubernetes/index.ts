export { SyncSchedule } from "./sync-schedule";
export { MAX_SHARDS, type SyncScheduleArgs, type SyncScheduleConfig } from "./sync-schedule-args";
export type { SyncFlags, WatchFlags } from "./sync-flags";
export { SyncWatcher } from "./sync-watcher";
export type { SyncWatcherArgs } from "./sync-watcher-args";
