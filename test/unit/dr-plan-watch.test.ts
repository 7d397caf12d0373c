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
  const failover = {
    record: {
      backend: "rfc2136",
      zone: "dr.example.com",
      name: "registry",
      type: "A",
      ttl: 30,
      rfc2136: { servers: ["10.0.0.53:53"], tsig: { name: "dr-key", algorithm: "hmac-sha256", secret: "c2FtcGxlLW5vdC1hLXJlYWwtc2VjcmV0" } },
    },
    values: { primary: "10.0.0.10", dc2: "10.0.1.10" },
    active: "dc2",
    reverse: true,
  };
  assert.throws(read(plan({ failover })), /registry-dr:plan\.watch: expected no watch while the direct copy runs backwards/);
  assert.throws(read(plan({ watch: { ...plan().watch, replicas: 2 } })), /registry-dr:plan\.watch: .*"replicas"/);
});
