import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { test } from "node:test";

/**
 * `npm run demo:cli`, the local DR drill with the command line, run as a user runs it: every
 * step must hold (the drill fails otherwise) and the output must show them.
 */

test("the DR drill: TLS for the name, clients pulling through it after every flip, a refused failover, a failback refused until sync --reverse", async () => {
  const result = await new Promise<{ code: number; stdout: string; stderr: string }>((done) =>
    execFile(process.execPath, [resolve(__dirname, "../../examples/local-demo/cli-drill.js")], { timeout: 300_000 }, (error, stdout, stderr) =>
      done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
  assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
  const out = result.stdout;
  const order = [
    /client: pulled 3 image\(s\) through registry\.dr\.example\.com:\d+ from 127\.0\.0\.2 \(the primary site\), certificate verified for the name/,
    /recovery point: the standby holds every image the primary has/,
    /pushed library\/nginx:1\.1 to the primary/,
    /readiness: standby 3 present, 1 missing, 0 differ/,
    /recovery point: the standby lags [\d.]+ s behind the primary \(oldest image it lacks: library\/nginx:1\.1\)/,
    // The client view: through the name, at the standby's address, the new release is not there.
    /clients at registry\.dr\.example\.com:\d+ \(reaching 127\.0\.0\.3\): library\/nginx:1\.1: not there: clients would get 404/,
    /preflight of the secondary site .* failed, so A record "registry" in zone dr\.example\.com was not changed/,
    /registry\.dr\.example\.com still 127\.0\.0\.2/,
    /readiness: standby 4 present, 0 missing, 0 differ/,
    /dig registry\.dr\.example\.com A: 127\.0\.0\.3/,
    /client: pulled 4 image\(s\) through registry\.dr\.example\.com:\d+ from 127\.0\.0\.3 \(the secondary site\)/,
    /pushed team\/api:1\.1-hotfix to the standby/,
    /failback: .*team\/api:1\.1-hotfix .* is on the secondary site but not at .*: pushed while it served/,
    /registry\.dr\.example\.com still 127\.0\.0\.3/,
    /\$ registry-dr sync --reverse --config=\.\/primary-to-standby\.json/,
    /preflight primary site 127\.0\.0\.2:\d+: ready \(5 image\(s\) present\)/,
    /dig registry\.dr\.example\.com A: 127\.0\.0\.2/,
    /client: pulled 5 image\(s\) through registry\.dr\.example\.com:\d+ from 127\.0\.0\.2 \(the primary site\)/,
    /stopped the registries and BIND, removed their files/,
  ];
  let from = 0;
  for (const expected of order) {
    const match = expected.exec(out.slice(from));
    assert.ok(match, `expected ${expected} after offset ${from} in:\n${out}`);
    from += match.index + match[0].length;
  }
});
