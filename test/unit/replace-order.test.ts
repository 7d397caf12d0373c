import assert from "node:assert/strict";
import { test } from "node:test";
import { failoverRecordDefinition } from "../../provider/resources/dns/failover-record-provider";

/**
 * Delete-before-replace only where the new object would collide with the old: a FailoverRecord
 * moving to another zone or name is written there first, so the name resolves throughout; a new
 * type for the same name in the same zone (a CNAME shares its name with no other record) goes
 * after the old record is deleted.
 */

const RECORD = {
  backend: "rfc2136",
  zone: "dr.example.com",
  name: "registry",
  type: "A",
  ttl: 60,
  rfc2136: { server: "127.0.0.1:53" },
  sites: { primary: { value: "10.1.0.10", registry: "harbor.example.com" }, secondary: { value: "10.2.0.20", registry: "dr.example.net" } },
  active: "primary",
};
const OUTPUTS = { ...RECORD, recordId: "registry.dr.example.com.", activeTarget: "10.1.0.10", previousTarget: "", switchedAt: "", createdByResource: true };

async function diffOf(change: Record<string, unknown>) {
  const previous = process.env.REGISTRY_DR_PREVIEW_CHECKS;
  process.env.REGISTRY_DR_PREVIEW_CHECKS = "off";
  try {
    const diff = failoverRecordDefinition.provider.diff;
    assert.ok(diff);
    return await diff.call(failoverRecordDefinition.provider, "registry.dr.example.com.", OUTPUTS, { ...RECORD, ...change });
  } finally {
    if (previous === undefined) delete process.env.REGISTRY_DR_PREVIEW_CHECKS;
    else process.env.REGISTRY_DR_PREVIEW_CHECKS = previous;
  }
}

test("a record moving to another zone or name is created before the old one is deleted", async () => {
  for (const change of [{ zone: "failover.example.com" }, { name: "images" }]) {
    const diff = await diffOf(change);
    assert.deepEqual(diff.replaces, Object.keys(change));
    assert.equal(diff.deleteBeforeReplace, false, `${JSON.stringify(change)}: the name must resolve throughout`);
  }
});

test("a new type for the same name in the same zone deletes the old record first", async () => {
  const diff = await diffOf({ type: "AAAA" });
  assert.deepEqual(diff.replaces, ["type"]);
  assert.equal(diff.deleteBeforeReplace, true);
});
