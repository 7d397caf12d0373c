import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ArgumentChecks, isKnown } from "../argument-checks";
import { DNS_LABEL, PodArgs, checkPodArgs } from "./pod-args";
import { WatchFlags, watchFlagsSchema } from "./sync-flags";

export interface SyncWatcherArgs extends PodArgs {
  /**
   * The secret registries send with each event (`Authorization: Bearer <secret>`): distribution's
   * notification headers, Harbor's webhook auth header. At least 16 characters; kept in a Secret.
   */
  sharedSecret: pulumi.Input<string>;
  /** The engine's flags (proc, retries, platforms, referrers, ...), as SyncSchedule's `sync`. */
  sync?: WatchFlags;
  /** Between full resyncs, the safety net for missed events; default 900 (15 minutes), at least 10. */
  resyncIntervalSeconds?: number;
  /** Images waiting at most before senders are told to retry (503); default 10000. */
  queue?: number;
  /** Delete copies when the source deletes an image (by digest); copies are kept by default. */
  followDeletions?: boolean;
  /** The port the watcher and its Service listen on; default 8480. */
  port?: number;
}

/** The Deployment is named after the component: 63 characters less Pulumi's suffix. */
export const MAX_WATCHER_NAME_LENGTH = 40;

const whole = (what: string, min: number, max: number) =>
  z
    .number({ error: `expected a whole number of ${what} from ${min} to ${max}` })
    .int({ error: `expected a whole number of ${what} from ${min} to ${max}` })
    .min(min, { error: `expected a whole number of ${what} from ${min} to ${max}` })
    .max(max, { error: `expected a whole number of ${what} from ${min} to ${max}` });

/** SyncSchedule's checks for what both take, and the watcher's own settings. */
export function validateSyncWatcherArgs(name: string, args: SyncWatcherArgs): void {
  if (args === undefined || args === null || typeof args !== "object") throw new Error(`SyncWatcher ${name}: expected args {image, config, sharedSecret, ...}`);
  const check = new ArgumentChecks("SyncWatcher", name);
  if (!DNS_LABEL.test(name) || name.length > MAX_WATCHER_NAME_LENGTH)
    check.fail(
      "name",
      `expected lowercase letters, digits and hyphens, at most ${MAX_WATCHER_NAME_LENGTH} characters (the Deployment is named after it)`,
      name,
    );
  // The value is never quoted: it is a secret.
  if (args.sharedSecret === undefined) check.fail("sharedSecret", "expected the secret senders present (at least 16 characters)", "(nothing)");
  const secret = args.sharedSecret;
  if (isKnown(secret) && (typeof secret !== "string" || secret.length < 16))
    check.fail(
      "sharedSecret",
      "expected a secret of at least 16 characters",
      typeof secret === "string" ? `(a secret of ${secret.length} characters)` : typeof secret,
    );
  check.schema("resyncIntervalSeconds", args.resyncIntervalSeconds, whole("seconds", 10, 7 * 86_400));
  check.schema("queue", args.queue, whole("images", 1, 1_000_000));
  check.schema("followDeletions", args.followDeletions, z.boolean({ error: "expected true or false" }));
  check.schema("port", args.port, whole("a port", 1024, 65_535));
  checkPodArgs(check, `SyncWatcher ${name}: config`, args, args.sync, watchFlagsSchema());
}
