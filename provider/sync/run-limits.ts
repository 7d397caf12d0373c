/**
 * Bounds on a run's settings, one set for every way a run is asked for: the command's flags
 * and SyncSchedule's (whose pods run the command, so a value it took would fail every pod).
 */

/** More images at once than this only queues them at the registries (and opens as many connections). */
export const MAX_PROC = 256;
export const MAX_RETRIES = 100;
/** Node's timers hold at most 2^31-1 ms (24.8 days); a longer one fires at once. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;
