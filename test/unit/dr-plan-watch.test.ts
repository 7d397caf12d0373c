import assert from "node:assert/strict";
import { test } from "node:test";
import { parseDrPlan } from "../../components/disaster-recovery/plan-schema";

/** A plan's `watch`: the direct path on events, checked offline as `registry-dr plan check` does. */

const SECRET = "plan-watch-secret-0123456789";
const plan = (overrides: Record<string, unknown> = {}) => ({
  primary: { harbor: { url: "https://harbor.example.com", username: "admin", password: "Harbor12345" } },
  protect: { repositories: ["library/nginx"] },
  sites: { dc2: { registry: { url: "https://registry.dc2.example.com", namespace: "dr" }, replication: { direct: {} } } },
  watch: { image: "registry.example.com/tools/registry-dr:0.1.0", sharedSecret: SECRET, followDeletions: true },
  ...overrides,
});
const read = (value: unknown) => () => parseDrPlan(value, "registry-dr:plan");

test("a plan may ask for the watcher on the direct path", () => {
  assert.deepEqual(parseDrPlan(plan(), "registry-dr:plan").watch, plan().watch);
});

test("a plan's watch is checked: a direct-path site to feed, a long enough secret (never quoted), known settings", () => {
  const harborOnly = { dc2: { registry: { url: "https://registry.dc2.example.com", namespace: "dr" }, replication: { harbor: {} } } };
  assert.throws(read(plan({ sites: harborOnly })), /registry-dr:plan\.watch: expected a site with replication\.direct/);
  assert.throws(
    read(plan({ watch: { ...plan().watch, sharedSecret: "too-short" } })),
    (error: Error) =>
      /registry-dr:plan\.watch\.sharedSecret: expected the watcher's shared secret, at least 16 characters/.test(error.message) &&
      !error.message.includes("too-short"),
  );
  assert.throws(
    read(plan({ watch: { ...plan().watch, resyncIntervalSeconds: 1 } })),
    /registry-dr:plan\.watch\.resyncIntervalSeconds: expected seconds between full resyncs, 10 or more/,
  );
  assert.throws(read(plan({ watch: { ...plan().watch, replicas: 2 } })), /registry-dr:plan\.watch: .*"replicas"/);
});
