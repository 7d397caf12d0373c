import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { directImages } from "../../components/disaster-recovery/repository-selection";
import { failbackMappingProblems } from "../../provider/failover";
import { reverseSyncJob } from "../../provider/sync";
import { failoverRecordProvider } from "../../provider/resources/dns";
import { runCli } from "../support/cli-process";

/**
 * A readiness mapping that cannot run backwards is refused before the first flip, not at the
 * failback: by then the secondary has served and taken pushes that could neither be checked
 * nor copied back. The record's check, the break-glass command and `registry-dr plan check`
 * say so, naming the entry; a mapping that runs both ways passes.
 */

const PRIMARY = "harbor.example.com";
const STANDBY = "standby.example.com";
const DIGEST = `sha256:${"a".repeat(64)}`;

const record = (images: Record<string, string | string[]>) => ({
  backend: "rfc2136",
  zone: "dr.example.com",
  name: "registry",
  type: "A",
  rfc2136: { server: "127.0.0.1:1", tsig: { name: "k", algorithm: "hmac-sha256", secret: "c2VjcmV0LXNlY3JldC1zZWNyZXQ=" } },
  sites: { primary: { value: "10.1.0.10", registry: PRIMARY }, secondary: { value: "10.2.0.20", registry: STANDBY } },
  active: "secondary",
  readiness: { images },
});

async function failures(images: Record<string, string | string[]>): Promise<{ property: string; reason: string }[]> {
  return (await failoverRecordProvider.check!({}, record(images))).failures ?? [];
}

test("several sources into one standby repository: refused by the record's check, naming the entry and why", async () => {
  const found = await failures({
    [`${PRIMARY}/library/app`]: `${STANDBY}/library/app`,
    "mirror.example.com/library/app": `${STANDBY}/library/app`,
  });
  assert.equal(found.length, 1, JSON.stringify(found));
  assert.equal(found[0].property, 'readiness.images["mirror.example.com/library/app"]');
  assert.match(found[0].reason, /a reverse run cannot tell which repository each tag belongs to/);
  assert.match(
    found[0].reason,
    /failback to the primary would have to prove that nothing pushed to the secondary site \(standby\.example\.com\) while it served is lost/,
  );
  assert.match(found[0].reason, /map each repository and tag to exactly one place/);
});

test("a digest given a tag, and a project overlapping another source's repository, are refused; a renamed tag is named once", async () => {
  const pinned = await failures({ [`${PRIMARY}/library/redis@${DIGEST}`]: `${STANDBY}/library/redis:pinned` });
  assert.equal(pinned.length, 1);
  assert.match(pinned[0].reason, /as standby\.example\.com\/library\/redis:pinned: a reverse run copies tags back under their own names/);
  const overlap = await failures({ [`${PRIMARY}/library/**`]: `${STANDBY}/library`, "mirror.example.com/library/nginx": `${STANDBY}/library/nginx` });
  assert.equal(overlap.length, 1);
  assert.match(overlap[0].reason, /which a whole-project rule also covers/);
  // A renamed tag moves what clients ask for: named once, by the client rule.
  const renamed = await failures({ [`${PRIMARY}/library/nginx:1.25`]: `${STANDBY}/library/nginx:stable` });
  assert.equal(renamed.length, 1);
  assert.match(renamed[0].reason, /holds library\/nginx:1\.25 as library\/nginx:stable/);
});

test("mappings that run both ways pass: repositories, tags kept, a project below its namespace, copies to a third registry", async () => {
  assert.deepEqual(
    await failures({
      [`${PRIMARY}/library/nginx:1.25`]: `${STANDBY}/library/nginx`,
      [`${PRIMARY}/team/**`]: [`${STANDBY}/team`, "archive.example.com/team"],
      [`${PRIMARY}/library/redis`]: "archive.example.com/redis",
      // The sample plans' selection: a repository beside the project holding it, both where the primary has them.
      [`${PRIMARY}/ops/*`]: `${STANDBY}/ops`,
      [`${PRIMARY}/ops/ingress`]: `${STANDBY}/ops/ingress`,
    }),
    [],
  );
  assert.deepEqual(failbackMappingProblems(STANDBY, undefined), []);
  assert.deepEqual(
    failbackMappingProblems(STANDBY, { images: { [`${PRIMARY}/library/app`]: "archive.example.com/app" } }),
    [],
    "nothing copied to the standby",
  );
});

test("registry-dr failover refuses it with exit 2 before any server is asked", async () => {
  const dir = mkdtempSync(join(tmpdir(), "failback-mapping-"));
  try {
    const file = join(dir, "record.json");
    writeFileSync(file, JSON.stringify(record({ [`${PRIMARY}/library/redis@${DIGEST}`]: `${STANDBY}/library/redis:pinned` })));
    const result = await run(dir, ["failover", "--record", file, "--to", "secondary"]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(
      result.stderr,
      /readiness\.images\["harbor\.example\.com\/library\/redis@sha256:a+"\]: writes sha256:a+ as standby\.example\.com\/library\/redis:pinned/,
    );
    assert.doesNotMatch(result.stderr, /127\.0\.0\.1:1/, "the DNS server was never asked");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a sample plan's selection (library/nginx beside library/*) runs backwards, as the component's readiness maps it", () => {
  const stack = parse(readFileSync(resolve(__dirname, "../../../examples/plans/Pulumi.harbor-to-acr.yaml"), "utf8"));
  const protect = stack.config["registry-dr:plan"].protect;
  assert.deepEqual(protect.repositories, ["library/nginx", "library/redis", "library/*"]);
  const images = directImages(protect, PRIMARY, { registry: STANDBY, namespace: "library", flatten: 1 });
  assert.deepEqual(failbackMappingProblems(STANDBY, { images }), []);
  const reversed = reverseSyncJob({ images }, { from: STANDBY });
  assert.equal(reversed.images[`${STANDBY}/library/*`], `${PRIMARY}/library`);
  assert.equal(reversed.images[`${STANDBY}/library/nginx`], `${PRIMARY}/library/nginx`);
});

const run = (cwd: string, args: string[]) => runCli(args, { cwd });
