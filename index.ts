import { drStackFromConfig } from "registry-dr";

/**
 * A disaster-recovery stack for container registries, described entirely by its stack config:
 * the DR plan under `registry-dr:plan` (see the sample stack files beside this program, one per
 * guide, and `registry-dr plan check`). `pulumi preview` shows every endpoint, rule, copy and
 * record the plan makes; changing `failover.active` and running `pulumi up` fails over.
 *
 * The stack's outputs are the ones its configuration has: `endpoints`, `readiness` and
 * `activeSite` with a plan, `syncedImages` and `syncCounts` with the older ImageSync keys.
 * They are exported as one object, so a stack never names an output it does not have.
 */
export = drStackFromConfig();
