import { ArgumentChecks } from "../argument-checks";
import { isEventual } from "../eventual";
import { harborConnectionSchema } from "../../provider/resources/harbor/harbor-connection-input";
import { planProblems } from "./plan-problems";
import type { RegistryDisasterRecoveryArgs } from "../registry-disaster-recovery";
import * as pulumi from "@pulumi/pulumi";
import { validateSyncWatcherArgs } from "../kubernetes/sync-watcher-args";

/**
 * RegistryDisasterRecovery's arguments as far as they are known while the program runs; the
 * site targets, the Harbor resources, ImageSync and the FailoverRecord check their own.
 */
export function validateDisasterRecoveryArgs(name: string, args: RegistryDisasterRecoveryArgs): void {
  if (args === undefined || args === null || typeof args !== "object")
    throw new Error(`RegistryDisasterRecovery ${name}: expected args {primary, protect, sites, failover?}`);
  const check = new ArgumentChecks("RegistryDisasterRecovery", name);
  if (args.protect === null || typeof args.protect !== "object") check.fail("protect", "expected {repositories, tags?, tagDecoration?}", args.protect);
  const [first] = planProblems(args, isEventual);
  if (first) check.fail(first.path.join("."), first.message, valueAt(args, first.path));
  const harbor = args.primary.harbor;
  if (harbor !== undefined && !isEventual(harbor) && Object.values(harbor).every((value) => !isEventual(value)))
    check.schema("primary.harbor", harbor, harborConnectionSchema());
  if (args.watch !== undefined) validateWatch(name, args);
}

/** The watcher is named after the component (a Kubernetes name: lower-case, at most 40 characters). */
export function watcherName(name: string): string {
  return `${name}-watch`;
}

/** The watcher's own checks; its config is built later from the sites. */
function validateWatch(name: string, args: RegistryDisasterRecoveryArgs): void {
  const watch = args.watch!;
  if (watch === null || typeof watch !== "object")
    new ArgumentChecks("RegistryDisasterRecovery", name).fail(
      "watch",
      "expected {image, sharedSecret, namespace?, resyncIntervalSeconds?, followDeletions?}",
      typeof watch,
    );
  // Its config comes from the sites once they exist: only its shape is left open here.
  validateSyncWatcherArgs(watcherName(name), { ...watch, config: { images: pulumi.output({}) } });
}

function valueAt(root: unknown, path: (string | number)[]): unknown {
  const value = path.reduce<unknown>(
    (value, key) => (value === null || typeof value !== "object" ? undefined : (value as Record<string | number, unknown>)[key]),
    root,
  );
  // Objects are not shown: they may hold a password.
  return isEventual(value) ? "(not known yet)" : value !== null && typeof value === "object" ? "{...}" : value;
}
