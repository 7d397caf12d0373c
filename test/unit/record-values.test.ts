import assert from "node:assert/strict";
import { test } from "node:test";
import { canonicalRecordValue, cnameLoopProblem, sameDnsName, sameRecordValue, sameSitesProblem } from "../../provider/failover";
import { failoverRecordProvider } from "../../provider/resources/dns";

/** Record values compared as DNS names, by the one function every backend and the switch use. */

test("a CNAME target is the same name whatever its case and final dot", () => {
  assert.equal(canonicalRecordValue("CNAME", "Standby.DR.Example.com."), "standby.dr.example.com");
  assert.ok(sameRecordValue("CNAME", "standby.dr.example.com.", "standby.dr.example.com"));
  assert.ok(sameRecordValue("CNAME", "STANDBY.dr.example.com", "standby.DR.example.com."));
  assert.ok(!sameRecordValue("CNAME", "standby.dr.example.com", "standby.dr.example.org"));
  assert.ok(!sameRecordValue("CNAME", "standby.dr.example.com", "standby.dr.example.com.."), "only one final dot is the root");
});

test("addresses compare as addresses; several values as a set; no record equals only no record", () => {
  assert.ok(sameRecordValue("AAAA", "FD00:0:0:0::10", "fd00::10"));
  assert.ok(!sameRecordValue("AAAA", "fd00::10", "fd00::11"));
  assert.ok(sameRecordValue("A", "10.2.0.20,10.2.0.21", "10.2.0.21, 10.2.0.20"));
  assert.ok(!sameRecordValue("A", "10.2.0.20", "10.2.0.2"));
  assert.ok(sameRecordValue("CNAME", undefined, undefined));
  assert.ok(!sameRecordValue("CNAME", "standby.dr.example.com", undefined));
  assert.ok(sameDnsName("Registry", "registry"));
  assert.ok(sameDnsName("dr.example.com.", "DR.example.com"));
});

test("two sites spelled differently are still one site; a CNAME to the zone's own name is a loop whatever the spelling", () => {
  assert.match(sameSitesProblem("harbor.example.com", "Harbor.Example.com.") ?? "", /a flip would change nothing/);
  assert.equal(sameSitesProblem("10.1.0.10", "10.1.0.11", "A"), undefined);
  assert.match(cnameLoopProblem("harbor.example.com", "@", "HARBOR.example.com.") ?? "", /a CNAME to itself/);
});

test("FailoverRecord's diff: a record read back in another spelling of the same name is no drift; another name is", async () => {
  const inputs = {
    backend: "privatezone",
    zone: "zone-1",
    name: "@",
    type: "CNAME",
    ttl: 60,
    sites: {
      primary: { value: "Harbor-Origin.Example.com.", registry: "harbor.example.com" },
      secondary: { value: "dr-registry.cn-hangzhou.cr.aliyuncs.com.", registry: "dr-registry.cn-hangzhou.cr.aliyuncs.com" },
    },
    active: "primary",
    alicloud: { accessKey: "LTAI5tExampleKey", secretKey: "example-secret" },
  };
  const olds = { ...inputs, schemaVersion: 1, recordId: "r-1", previousTarget: "", switchedAt: "", createdByResource: true };
  for (const spelling of ["harbor-origin.example.com", "HARBOR-ORIGIN.example.com.", "Harbor-Origin.Example.com."]) {
    const diff = await failoverRecordProvider.diff!("r-1", { ...olds, activeTarget: spelling }, inputs);
    assert.equal(diff.changes, false, `${spelling} is the primary's value`);
  }
  assert.equal((await failoverRecordProvider.diff!("r-1", { ...olds, activeTarget: "someone-else.example.com" }, inputs)).changes, true);
});
