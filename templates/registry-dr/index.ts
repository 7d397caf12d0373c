import { drStackFromConfig } from "registry-dr";

/**
 * A disaster-recovery stack for container registries, described entirely by its stack config:
 * the DR plan under `registry-dr:plan` (see the sample stack files beside this program, one per
 * guide, and `registry-dr plan check`). `pulumi preview` shows every endpoint, rule, copy and
 * record the plan makes; changing `failover.active` and running `pulumi up` fails over.
 */
const outputs = drStackFromConfig();

export const endpoints = outputs.endpoints;
export const readiness = outputs.readiness;
export const activeSite = outputs.activeSite;
export const syncedImages = outputs.syncedImages;
export const syncCounts = outputs.syncCounts;
