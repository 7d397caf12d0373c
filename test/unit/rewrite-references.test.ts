import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { parseAllDocuments } from "yaml";
import { mapperFromJob, rewriteReferences } from "../../provider/rewrite";

/** `registry-dr rewrite` and its library function on manifests shaped like real ones. */

const DIGEST = `sha256:${"ab".repeat(32)}`;
const JOB = {
  images: {
    "harbor.example.com/library/nginx": "registry.cn-hangzhou.example.com/dr/nginx",
    "harbor.example.com/library/busybox:1.36": "registry.cn-hangzhou.example.com/dr/busybox",
    "harbor.example.com/team/api:/^v.*$/": ["registry.cn-hangzhou.example.com/dr/api", "europe-docker.pkg.dev/dr-project/dr-images/api"],
    "harbor.example.com/bitnami/redis": "",
  },
  defaults: { registry: "registry.cn-hangzhou.example.com", namespace: "dr" },
};

const DEPLOYMENT = `# The storefront: web tier.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web   # keep in sync with the Service
spec:
  template:
    spec:
      initContainers:
        - name: wait
          image: harbor.example.com/library/busybox:1.36   # waits for the database
      containers:
        - name: nginx
          image: "harbor.example.com/library/nginx:1.25@${DIGEST}"
        - name: api
          image: 'harbor.example.com/team/api:v2.1'
          # a sidecar from Docker Hub: not ours to copy
        - name: metrics
          image: prom/statsd-exporter:v0.26.0
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
spec:
  schedule: "0 2 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: report
              image: harbor.example.com/team/api:nightly   # not a v* tag: not copied
`;

const VALUES = `# Helm values for the cache.
image:
  registry: harbor.example.com   # the primary
  repository: bitnami/redis
  tag: 7.2.4
  pullPolicy: IfNotPresent
api:
  image:
    repository: harbor.example.com/team/api
    tag: "v3.0"
`;

const map = mapperFromJob(JOB);

test("image fields in Deployments, init containers and CronJobs are mapped the way the sync copies, digests kept, comments and quoting untouched", () => {
  const result = rewriteReferences(DEPLOYMENT, map);
  const expected = DEPLOYMENT.replace("harbor.example.com/library/busybox:1.36   #", "registry.cn-hangzhou.example.com/dr/busybox:1.36   #")
    .replace(`"harbor.example.com/library/nginx:1.25@${DIGEST}"`, `"registry.cn-hangzhou.example.com/dr/nginx:1.25@${DIGEST}"`)
    .replace("'harbor.example.com/team/api:v2.1'", "'registry.cn-hangzhou.example.com/dr/api:v2.1'");
  assert.equal(result.text, expected, "only the three values changed, byte for byte");
  assert.deepEqual(
    result.changes.map((change) => change.line),
    [11, 14, 16],
  );
  assert.deepEqual(result.unmapped, [
    { line: 19, reference: "prom/statsd-exporter:v0.26.0" },
    { line: 33, reference: "harbor.example.com/team/api:nightly" },
  ]);
  assert.equal(parseAllDocuments(result.text).length, 2, "still two documents");
});

test("Helm values: registry, repository and tag keys are split back as they were; a site prefix picks among destinations", () => {
  const result = rewriteReferences(VALUES, map);
  assert.match(result.text, /^ {2}registry: registry\.cn-hangzhou\.example\.com {3}# the primary$/m);
  assert.match(result.text, /^ {2}repository: dr\/redis$/m, '"" destinations go to --registry/--namespace/<name>');
  assert.match(result.text, /^ {4}repository: registry\.cn-hangzhou\.example\.com\/dr\/api$/m);
  assert.match(result.text, /^ {4}tag: "v3\.0"$/m);
  assert.match(result.text, /^# Helm values for the cache\.$/m);
  const europe = rewriteReferences(VALUES, mapperFromJob(JOB, "europe-docker.pkg.dev"));
  assert.match(europe.text, /^ {4}repository: europe-docker\.pkg\.dev\/dr-project\/dr-images\/api$/m);
  assert.deepEqual(
    europe.unmapped.map((entry) => entry.reference),
    ["harbor.example.com/bitnami/redis:7.2.4"],
    "no destination at that site",
  );
});

test("the command: a diff by default, --check lists unmapped references and fails, --write writes", async () => {
  const dir = mkdtempSync(join(tmpdir(), "registry-dr-rewrite-"));
  mkdirSync(join(dir, "k8s", "jobs"), { recursive: true });
  writeFileSync(join(dir, "k8s", "deployment.yaml"), DEPLOYMENT);
  writeFileSync(join(dir, "k8s", "jobs", "values.yml"), VALUES);
  writeFileSync(join(dir, "k8s", "README.txt"), "image: harbor.example.com/library/nginx:1.25\n");
  writeFileSync(join(dir, "sync.json"), JSON.stringify({ images: JOB.images }));
  const bin = resolve(__dirname, "../../../bin/registry-dr.js");
  const run = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((done) =>
      execFile(
        process.execPath,
        [bin, "rewrite", "--config", "sync.json", "--registry", "registry.cn-hangzhou.example.com", "--namespace", "dr", ...args],
        { cwd: dir },
        (error, stdout, stderr) => done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );
  const diff = await run(["k8s"]);
  assert.equal(diff.code, 0, diff.stderr);
  assert.match(diff.stdout, /^--- k8s\/deployment\.yaml$/m);
  assert.match(
    diff.stdout,
    /^- {10}image: harbor\.example\.com\/library\/busybox:1\.36 {3}# waits for the database\n\+ {10}image: registry\.cn-hangzhou\.example\.com\/dr\/busybox:1\.36 {3}# waits for the database$/m,
  );
  assert.match(diff.stdout, /^--- k8s\/jobs\/values\.yml$/m);
  assert.ok(!diff.stdout.includes("README.txt"), "only YAML files");
  assert.equal(readFileSync(join(dir, "k8s", "deployment.yaml"), "utf8"), DEPLOYMENT, "a diff writes nothing");

  const check = await run(["--check", "k8s"]);
  assert.equal(check.code, 1);
  assert.equal(
    check.stdout,
    "k8s/deployment.yaml:19: prom/statsd-exporter:v0.26.0: no sync rule copies this image\nk8s/deployment.yaml:33: harbor.example.com/team/api:nightly: no sync rule copies this image\n",
  );

  const written = await run(["--write", "k8s"]);
  assert.equal(written.code, 0);
  assert.equal(readFileSync(join(dir, "k8s", "deployment.yaml"), "utf8"), rewriteReferences(DEPLOYMENT, map).text);
  assert.match(written.stdout, /k8s\/deployment\.yaml: 3 reference\(s\) rewritten/);
  assert.equal((await run(["--check", "--write", "k8s"])).code, 2);
});

test("--plan and --site: the plan's named repositories and Harbor patterns, with the site's flattening and tag filter", async () => {
  const dir = mkdtempSync(join(tmpdir(), "registry-dr-rewrite-plan-"));
  const manifest = [
    "containers:",
    "  - image: harbor.example.com/library/nginx:1.25 # named",
    "  - image: harbor.example.com/library/web:2.0 # by the library/* pattern",
    "  - image: harbor.example.com/library/web:2.1-rc # release candidates stay home",
    "",
  ].join("\n");
  writeFileSync(join(dir, "pod.yaml"), manifest);
  const bin = resolve(__dirname, "../../../bin/registry-dr.js");
  const plan = resolve(__dirname, "../../../examples/plans/Pulumi.harbor-to-acr.yaml");
  const run = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((done) =>
      execFile(process.execPath, [bin, "rewrite", ...args], { cwd: dir }, (error, stdout, stderr) =>
        done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );
  const written = await run(["--plan", plan, "--site", "hangzhou", "--write", "pod.yaml"]);
  assert.equal(written.code, 0, written.stderr);
  assert.equal(
    readFileSync(join(dir, "pod.yaml"), "utf8"),
    manifest
      .replace("harbor.example.com/library/nginx:1.25", "myinstance-registry.cn-hangzhou.cr.aliyuncs.com/library/nginx:1.25")
      .replace("harbor.example.com/library/web:2.0", "myinstance-registry.cn-hangzhou.cr.aliyuncs.com/library/web:2.0"),
  );
  assert.match(
    (await run(["--plan", plan, "--site", "hangzhou", "--check", "pod.yaml"])).stdout,
    /pod\.yaml:4: harbor\.example\.com\/library\/web:2\.1-rc: no sync rule copies this image/,
  );
  assert.match((await run(["--plan", plan, "--site", "beijing", "pod.yaml"])).stderr, /no site "beijing" in the plan: expected one of hangzhou/);
  assert.match((await run(["--plan", plan, "pod.yaml"])).stderr, /--plan needs --site NAME/);
});
