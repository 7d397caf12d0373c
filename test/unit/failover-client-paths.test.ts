import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { parse, stringify } from "yaml";
import { failoverClientProblems } from "../../provider/failover";
import { failoverRecordProvider } from "../../provider/resources/dns";
import { ConfigError } from "../../provider/validation";
import { readPlanConfig } from "../../components/dr-stack/stack-config";

/**
 * A DNS failover that can never serve clients is refused before anything is written: a site
 * holding the readiness images under other paths than the primary's (clients would get 404
 * there), and Artifact Registry, which cannot serve a custom name. The same rule in the record's
 * check, the break-glass command's input check, a DR plan and `registry-dr plan check`.
 */

const PRIMARY = "harbor.example.com";
const STANDBY = "standby.example.com";
const sites = {
  primary: { value: "harbor-lb.example.com", registry: PRIMARY },
  secondary: { value: "standby-lb.example.com", registry: `https://${STANDBY}` },
};

test("a readiness image the standby holds under another path is refused, naming the image, the site and both paths", () => {
  const [issue, ...rest] = failoverClientProblems(sites, { [`${PRIMARY}/library/nginx`]: `${STANDBY}/dr/nginx` });
  assert.equal(rest.length, 0);
  assert.deepEqual(issue.path, ["readiness", "images", `${PRIMARY}/library/nginx`]);
  assert.match(
    issue.message,
    /the secondary site \(standby\.example\.com\) holds library\/nginx as dr\/nginx: after a DNS flip to it, clients asking for library\/nginx would get 404 there/,
  );
  assert.match(issue.message, /Copy it to standby\.example\.com\/library\/nginx instead/);
  assert.match(issue.message, /`registry-dr rewrite`/, "says what works instead");
});

test("a renamed tag and a whole project moved under a namespace are refused too; paths kept, digests and other registries pass", () => {
  const tag = failoverClientProblems(sites, { [`${PRIMARY}/library/nginx:1.25`]: `${STANDBY}/library/nginx:stable` });
  assert.match(tag[0].message, /holds library\/nginx:1\.25 as library\/nginx:stable/);
  const project = failoverClientProblems(sites, { [`${PRIMARY}/library/**`]: `${STANDBY}/mirror` });
  assert.match(project[0].message, /holds library\/\*\* as mirror\/<repository>/);
  assert.deepEqual(
    failoverClientProblems(sites, {
      [`${PRIMARY}/library/nginx`]: `${STANDBY}/library/nginx`,
      [`${PRIMARY}/library/redis@sha256:${"a".repeat(64)}`]: `${STANDBY}/library/redis:pinned`,
      [`${PRIMARY}/library/**`]: `${STANDBY}/library`,
      [`${PRIMARY}/team/app`]: ["elsewhere.example.com/archive/app", `${STANDBY.toUpperCase()}/team/app`],
    }),
    [],
    "the same paths (a digest is pulled by digest), and a copy to a registry that is neither site, are no problem",
  );
});

test("Artifact Registry cannot serve the failover name: as a site's registry or as the record's value", () => {
  const byRegistry = failoverClientProblems({ ...sites, secondary: { value: "standby-lb.example.com", registry: "europe-west4-docker.pkg.dev" } }, undefined);
  assert.deepEqual(byRegistry[0].path, ["sites", "secondary", "registry"]);
  assert.match(byRegistry[0].message, /europe-west4-docker\.pkg\.dev is served by Google Artifact Registry, which cannot serve a custom name/);
  assert.match(byRegistry[0].message, /ACR Enterprise Edition with a custom domain/);
  const byValue = failoverClientProblems({ ...sites, secondary: { value: "gcr.io.", registry: STANDBY } }, undefined);
  assert.deepEqual(byValue[0].path, ["sites", "secondary", "value"]);
});

test("FailoverRecord's check names the property; a path-preserving readiness map passes", async () => {
  const inputs = {
    backend: "rfc2136",
    zone: "dr.example.com",
    name: "registry",
    type: "A",
    rfc2136: { server: "127.0.0.1:53", tsig: { name: "k", algorithm: "hmac-sha256", secret: "c2VjcmV0LXNlY3JldC1zZWNyZXQ=" } },
    sites: { primary: { value: "10.1.0.10", registry: PRIMARY }, secondary: { value: "10.2.0.20", registry: STANDBY } },
    active: "primary",
    readiness: { images: { [`${PRIMARY}/library/nginx`]: `${STANDBY}/dr/nginx` } },
  };
  const { failures = [] } = await failoverRecordProvider.check!({}, inputs);
  assert.deepEqual(
    failures.map((failure) => failure.property),
    [`readiness.images["${PRIMARY}/library/nginx"]`],
  );
  assert.match(failures[0].reason, /holds library\/nginx as dr\/nginx/);
  const preserving = { ...inputs, readiness: { images: { [`${PRIMARY}/library/nginx`]: `${STANDBY}/library/nginx` } } };
  assert.deepEqual((await failoverRecordProvider.check!({}, preserving)).failures ?? [], []);
});

const PLANS = resolve(__dirname, "../../../examples/plans");
const sample = (file: string) => (parse(readFileSync(join(PLANS, file), "utf8")) as { config: Record<string, any> }).config["registry-dr:plan"];
const problems = (plan: unknown): string[] => {
  try {
    readPlanConfig("registry-dr", (key) => (key === "registry-dr:plan" ? JSON.stringify(plan) : undefined));
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.issues.map((issue) => issue.message);
  }
  return [];
};

test("a DR plan whose standby moves the protected paths is refused by its namespace, saying which namespace keeps them", () => {
  const plan = sample("Pulumi.harbor-to-acr.yaml");
  plan.primary.harbor.password = "pw";
  assert.deepEqual(problems(plan), [], "the sample keeps the paths");
  plan.sites.hangzhou.acrEnterprise.namespace = "dr";
  const [found, ...rest] = problems(plan);
  assert.equal(rest.length, 0);
  assert.match(
    found,
    /^registry-dr:plan\.sites\.hangzhou\.acrEnterprise\.namespace: the failover standby hangzhou holds library\/nginx as dr\/nginx, library\/redis as dr\/redis, library\/\.\.\. as dr\/\.\.\. \(namespace "dr", flatten 1\): after a DNS flip, clients asking for the primary's paths would get 404 there\. Namespace "library" with flatten 1 keeps them where clients look\./,
  );
  plan.sites.hangzhou.acrEnterprise.namespace = "library";
  plan.sites.hangzhou.replication.harbor.flatten = 0;
  assert.match(problems(plan)[0], /holds library\/nginx as library\/library\/nginx/);
  // A site that is not the standby may keep its copies anywhere: workloads reach it through rewrite.
  delete plan.failover;
  plan.sites.hangzhou.acrEnterprise.namespace = "dr";
  assert.deepEqual(problems(plan), []);
});

test("a DR plan failing over to Artifact Registry is refused; the sample fails over to a registry that can serve the name", () => {
  const plan = sample("Pulumi.harbor-to-artifact-registry.yaml");
  plan.primary.harbor.password = "pw";
  delete plan.failover.record.google.serviceAccountKey;
  assert.deepEqual(problems(plan), []);
  plan.failover.standby = "europe";
  plan.failover.values = { primary: "harbor-lb.example.com", europe: "europe-west4-docker.pkg.dev" };
  const found = problems(plan);
  assert.match(
    found[0],
    /^registry-dr:plan\.failover\.standby: the failover standby europe \(europe-west4-docker\.pkg\.dev\) is served by Google Artifact Registry, which cannot serve a custom name/,
  );
});

test("registry-dr plan check refuses a path-changing standby with exit 2 and the plan's message", async () => {
  const dir = mkdtempSync(join(tmpdir(), "plan-paths-"));
  try {
    const stack = parse(readFileSync(join(PLANS, "Pulumi.data-center-dns.yaml"), "utf8"));
    stack.config["registry-dr:plan"].sites.dc2.registry.namespace = "mirror";
    writeFileSync(join(dir, "Pulumi.dr.yaml"), stringify(stack));
    const result = await new Promise<{ code: number; stderr: string }>((done) =>
      execFile(
        process.execPath,
        [resolve(__dirname, "../../../bin/registry-dr.js"), "plan", "check", "Pulumi.dr.yaml"],
        { cwd: dir },
        (error, _stdout, stderr) => done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stderr }),
      ),
    );
    assert.equal(result.code, 2, result.stderr);
    assert.match(
      result.stderr,
      /registry-dr:plan\.sites\.dc2\.registry\.namespace: the failover standby dc2 holds library\/nginx as mirror\/nginx, library\/ingress as mirror\/ingress/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
