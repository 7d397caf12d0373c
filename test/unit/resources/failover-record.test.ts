import assert from "node:assert/strict";
import { test } from "node:test";
import { UNKNOWN } from "../../../provider/resources/check-inputs";
import { failoverRecordProvider } from "../../../provider/resources/dns";
import { summarizePreflight } from "../../../provider/failover";

/** FailoverRecord's check and diff, and its preflight summary, called directly: no DNS API, no registry. */

const alicloud = { accessKey: "LTAI5tExampleKey", secretKey: "example-secret" };
const inputs = {
  backend: "privatezone",
  zone: "zone-1",
  name: "@",
  type: "CNAME",
  ttl: 60,
  sites: {
    primary: { value: "harbor-origin.example.com", registry: "harbor.example.com" },
    secondary: { value: "dr-registry.cn-hangzhou.cr.aliyuncs.com", registry: "dr-registry.cn-hangzhou.cr.aliyuncs.com" },
  },
  active: "primary",
  alicloud,
};
const olds = {
  ...inputs,
  schemaVersion: 1,
  recordId: "r-1",
  activeTarget: "harbor-origin.example.com",
  previousTarget: "",
  switchedAt: "",
  createdByResource: true,
};

async function failures(news: Record<string, unknown>) {
  const result = await failoverRecordProvider.check!({}, news);
  return Object.fromEntries((result.failures ?? []).map((failure) => [failure.property, failure.reason]));
}

test("check: the record rules name the property; unknown values wait", async () => {
  assert.deepEqual(await failures(inputs), {});
  const same = { ...inputs.sites, secondary: { ...inputs.sites.secondary, value: inputs.sites.primary.value } };
  assert.deepEqual(await failures({ ...inputs, ttl: 120, sites: same }), {
    ttl: "PrivateZone takes a TTL of 5, 30, 60, 3600, 43200, 86400 seconds; got 120",
    "sites.secondary.value": "expected a value other than the primary's: a flip would change nothing",
  });
  assert.match((await failures({ ...inputs, alicloud: { ...alicloud, region: "Hangzhou" } }))["alicloud.region"], /expected a region id/);
  assert.match((await failures({ ...inputs, name: "bad name" })).name, /the record's RR within the zone/);
  assert.deepEqual(await failures({ ...inputs, ttl: 120, zone: UNKNOWN }), {}, "cross-field rules wait until every value is known");
});

test("diff: a flip is an update, a new name replaces, and a record changed outside is a change", async () => {
  assert.deepEqual(await failoverRecordProvider.diff!("r-1", olds, inputs), { changes: false, replaces: [], deleteBeforeReplace: false });
  assert.deepEqual(await failoverRecordProvider.diff!("r-1", olds, { ...inputs, active: "secondary" }), {
    changes: true,
    replaces: [],
    deleteBeforeReplace: false,
  });
  assert.deepEqual((await failoverRecordProvider.diff!("r-1", olds, { ...inputs, name: "registry", zone: "zone-2" })).replaces, ["zone", "name"]);
  assert.equal((await failoverRecordProvider.diff!("r-1", { ...olds, activeTarget: "someone-else.example.com" }, inputs)).changes, true, "refresh saw drift");
  assert.equal((await failoverRecordProvider.diff!("r-1", olds, { ...inputs, sites: UNKNOWN })).changes, true);
});

test("read of a resource that never got its zone keeps the state as it is", async () => {
  assert.deepEqual(await failoverRecordProvider.read!("r-1", {}), { id: "r-1", props: {} });
});

test("the preflight summary counts rows and lists each problem", () => {
  const readiness = {
    registry: "dr.example.com",
    answered: true,
    rows: [
      { source: "h/a:1", destination: "dr.example.com/a:1", status: "present" as const, sourceDigest: "sha256:1", destinationDigest: "sha256:1" },
      { source: "h/b:1", destination: "dr.example.com/b:1", status: "missing" as const, sourceDigest: "sha256:2" },
      { source: "h/c:1", destination: "dr.example.com/c:1", status: "differs" as const, sourceDigest: "sha256:3", destinationDigest: "sha256:4" },
      {
        source: "h/d:1",
        destination: "dr.example.com/d:1",
        status: "incomplete" as const,
        sourceDigest: "sha256:5",
        destinationDigest: "sha256:5",
        missing: ["sha256:6 (layer)"],
      },
    ],
  };
  const preflight = summarizePreflight("secondary", readiness, true);
  assert.deepEqual(preflight.counts, { present: 1, incomplete: 1, missing: 1, differs: 1, error: 0 });
  assert.deepEqual(preflight.problems, [
    "dr.example.com/b:1: missing (source h/b:1)",
    "dr.example.com/c:1: differs (sha256:4 here, sha256:3 at h/c:1)",
    "dr.example.com/d:1: incomplete (missing sha256:6 (layer))",
  ]);
  assert.equal(preflight.forced, true);
  assert.equal(
    summarizePreflight("secondary", { ...readiness, rows: readiness.rows.slice(0, 1) }, true).forced,
    false,
    "nothing was overridden when the site was ready",
  );
  assert.deepEqual(summarizePreflight("primary", { registry: "h", answered: false, error: "refused", rows: [] }, false).problems, [
    "h does not answer /v2/: refused",
  ]);
});
