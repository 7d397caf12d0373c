import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { planSiteMapper } from "../../components/disaster-recovery/plan-site-mapping";
import { ConfigError } from "../../provider/validation";
import { readPlanConfig } from "../../components/dr-stack";

/**
 * The plan's "exactly one of" choices (the primary, a site's kind, its replication path, the
 * failover record's backend): the key a stack file writes chooses, and a plan naming none or
 * several is told which it named; the chosen branch's problems keep their own paths.
 */

const PLANS = resolve(__dirname, "../../../examples/plans");
const sample = (file: string) => (parse(readFileSync(join(PLANS, file), "utf8")) as { config: Record<string, any> }).config["registry-dr:plan"];
const harborToAcr = () => {
  const plan = sample("Pulumi.harbor-to-acr.yaml");
  plan.primary.harbor.password = "Harbor-Secret-1";
  return plan;
};
const read = (plan: unknown) => readPlanConfig("registry-dr", (key) => (key === "registry-dr:plan" ? JSON.stringify(plan) : undefined));
const problems = (plan: unknown): string[] => {
  try {
    read(plan);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.issues.map((issue) => issue.message);
  }
  assert.fail("the plan was accepted");
};

test("a primary naming both a Harbor and a registry is refused, naming both", () => {
  const plan = harborToAcr();
  plan.primary.registry = "registry.internal:5000";
  assert.deepEqual(problems(plan), ["registry-dr:plan.primary: expected exactly one of harbor or registry; got both harbor and registry"]);
  plan.primary = {};
  assert.deepEqual(problems(plan), [
    "registry-dr:plan.primary: expected exactly one of harbor or registry: {harbor: {url, username, password}} or {registry, auth?}",
  ]);
});

test("the chosen primary's own problems keep their paths, and auth beside a Harbor is refused with the reason", () => {
  const plan = harborToAcr();
  delete plan.primary.harbor.username;
  assert.deepEqual(problems(plan), ["registry-dr:plan.primary.harbor.username: expected a Harbor user or robot name"]);
  plan.primary.harbor.username = "admin";
  plan.primary.auth = { username: "reader", password: "reader-secret" };
  const found = problems(plan);
  assert.deepEqual(found, ["registry-dr:plan.primary.auth: expected no auth with harbor: Harbor's own user reads the primary"]);
  assert.ok(!found.join("\n").includes("reader-secret"));
});

test("a site naming two kinds is refused naming both; one naming none is told the kinds", () => {
  const plan = harborToAcr();
  plan.sites.hangzhou.artifactRegistry = { repositoryId: "dr-images", location: "europe-west4", project: "dr-project" };
  assert.deepEqual(problems(plan), [
    "registry-dr:plan.sites.hangzhou: expected exactly one of acrEnterprise, artifactRegistry or registry; got both acrEnterprise and artifactRegistry",
  ]);
  plan.sites.hangzhou.registry = { url: "https://r.example.com", namespace: "dr" };
  assert.deepEqual(problems(plan), [
    "registry-dr:plan.sites.hangzhou: expected exactly one of acrEnterprise, artifactRegistry or registry; got acrEnterprise, artifactRegistry and registry",
  ]);
  delete plan.sites.hangzhou.acrEnterprise;
  delete plan.sites.hangzhou.artifactRegistry;
  delete plan.sites.hangzhou.registry;
  assert.deepEqual(problems(plan), [
    "registry-dr:plan.sites.hangzhou: expected exactly one of acrEnterprise, artifactRegistry or registry: the kind of registry the site's copies go to",
  ]);
});

test("a missing value inside the chosen site kind is named at its path, beside the site's other problems", () => {
  const plan = harborToAcr();
  delete plan.sites.hangzhou.acrEnterprise.region;
  plan.sites.hangzhou.replication.harbor.flatten = 7;
  const found = problems(plan);
  assert.ok(found.includes("registry-dr:plan.sites.hangzhou.acrEnterprise.region: expected a region id, such as cn-hangzhou"), found.join("\n"));
  assert.ok(
    found.some((message) => message.startsWith("registry-dr:plan.sites.hangzhou.replication.harbor.flatten: expected a flattening level")),
    found.join("\n"),
  );
});

test("a site replicated both by Harbor and directly is refused naming both", () => {
  const plan = harborToAcr();
  plan.sites.hangzhou.replication.direct = { proc: 4 };
  assert.deepEqual(problems(plan), ["registry-dr:plan.sites.hangzhou.replication: expected exactly one of harbor or direct; got both harbor and direct"]);
  plan.sites.hangzhou.replication = {};
  assert.deepEqual(problems(plan), [
    "registry-dr:plan.sites.hangzhou.replication: expected exactly one of harbor or direct: harbor (Harbor's replication) or direct (a direct image-syncer copy)",
  ]);
});

test("a failover record with another backend's settings is refused naming both; an unknown backend is told the backends", () => {
  const plan = harborToAcr();
  plan.failover.record.rfc2136 = { server: "10.0.0.53", tsig: { name: "dr-key", algorithm: "hmac-sha256", secret: "c2VjcmV0LXNlY3JldC1zZWNyZXQ=" } };
  assert.deepEqual(problems(plan), [
    `registry-dr:plan.failover.record.rfc2136: expected no rfc2136 settings with backend "privatezone": they belong to backend "rfc2136"`,
  ]);
  delete plan.failover.record.rfc2136;
  plan.failover.record.backend = "route53";
  assert.match(
    problems(plan).join("\n"),
    /registry-dr:plan\.failover\.record\.backend: expected "privatezone" \(Alibaba PrivateZone\), "alidns" .* or "clouddns"/,
  );
});

test("Harbor's replication to a site whose key is not created is refused by the plan, not when Harbor's endpoint is built", () => {
  const plan = harborToAcr();
  plan.sites.hangzhou.acrEnterprise.createAccessKey = false;
  assert.deepEqual(problems(plan), [
    "registry-dr:plan.sites.hangzhou.replication.harbor: expected acrEnterprise.createAccessKey true (the default): Harbor's endpoint for the site logs in with the key it creates",
  ]);
  plan.sites.hangzhou.replication = { direct: {} };
  assert.equal(read(plan)?.sites.hangzhou.acrEnterprise?.createAccessKey, false, "a direct copy falls back to the alicloud config");
});

test("every sample plan still parses, and maps a reference to its site with the registry host names", () => {
  const acr = planSiteMapper(read(harborToAcr())!, "hangzhou");
  assert.equal(acr("harbor.example.com/library/nginx:1.25"), "myinstance-registry.cn-hangzhou.cr.aliyuncs.com/library/nginx:1.25");
  const ar = sample("Pulumi.harbor-to-artifact-registry.yaml");
  ar.primary.harbor.password = "pw";
  delete ar.failover.record.google.serviceAccountKey;
  const [site] = Object.keys(ar.sites);
  const mapped = planSiteMapper(read(ar)!, site)("harbor.example.com/library/nginx:1.25");
  assert.match(mapped ?? "", /^[a-z0-9-]+-docker\.pkg\.dev\/[a-z][a-z0-9-]+\/[a-z][a-z0-9-]*\/nginx:1\.25$/);
  ar.sites[site].artifactRegistry = { gcrHost: "eu.gcr.io", project: "dr-project" };
  assert.equal(planSiteMapper(read(ar)!, site)("harbor.example.com/library/nginx:1.25"), "eu.gcr.io/dr-project/nginx:1.25");
});
