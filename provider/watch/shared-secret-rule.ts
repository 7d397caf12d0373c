/**
 * Shortest shared secret the watcher takes (and HarborWebhookPolicy and SyncWatcher with it):
 * a guessable one would let anyone make the watcher copy.
 */
export const MIN_SECRET_LENGTH = 16;
