import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { test } from "node:test";

/**
 * `npm run demo`, the local DR drill, run as a user runs it: every step must hold (the drill
 * fails otherwise), the output must show them, and it must stay well under a minute.
 */

test("the DR drill: sync, a refused failover naming the missing image, resync, failover seen by dig, rewrite, failback, in under a minute", async () => {
  const started = Date.now();
  const result = await new Promise<{ code: number; stdout: string; stderr: string }>((done) =>
    execFile(process.execPath, [resolve(__dirname, "../../examples/local-demo/demo.js")], { timeout: 90_000 }, (error, stdout, stderr) =>
      done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
  const seconds = (Date.now() - started) / 1000;
  assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
  assert.ok(seconds < 60, `the drill took ${seconds} s`);
  const out = result.stdout;
  const order = [
    /recovery point: the standby holds every image the primary has/,
    /pushed library\/nginx:1\.1 to the primary/,
    /readiness: standby 3 present, 1 missing, 0 differ/,
    /recovery point: the standby lags [\d.]+ s behind the primary \(oldest image it lacks: library\/nginx:1\.1\)/,
    // The standby keeps the primary's paths: a client asking for library/nginx through the name finds it there.
    /preflight of the secondary site .* failed, so CNAME record "registry" in zone dr\.example\.com was not changed:\n.*\d\/library\/nginx:1\.1: missing/,
    /registry\.dr\.example\.com still primary\.dr\.example\.com/,
    /readiness: standby 4 present, 0 missing, 0 differ/,
    /dig registry\.dr\.example\.com CNAME: standby\.dr\.example\.com/,
    /image: 127\.0\.0\.1:\d+\/library\/nginx:1\.1 {3}# the new release/,
    /dig registry\.dr\.example\.com CNAME: primary\.dr\.example\.com/,
    /stopped the registries and BIND, removed their files/,
  ];
  let from = 0;
  for (const expected of order) {
    const match = expected.exec(out.slice(from));
    assert.ok(match, `expected ${expected} after offset ${from} in:\n${out}`);
    from += match.index + match[0].length;
  }
});
