import assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { applyRecord, FailoverRecordInputs, failoverRecordSchema, withRecordStore } from "../../provider/failover";
import { runSync } from "../../provider/sync";
import { DnsTestServer, startDnsServer } from "../support/dns-servers";
import { pushSmallImage } from "../support/fixtures";
import { Front, startFront } from "../support/hostile-front";
import { makeTempDir, removeTempDir } from "../support/processes";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { runCli } from "../support/cli-process";

/**
 * `registry-dr failover` against sites that work against it, on real BIND with `dig` as the
 * oracle: a standby whose front echoes the request's credentials in its errors, a standby
 * whose HEADs take 20 s while the operator presses Ctrl-C, and a reader that closes the pipe.
 */

const BIN = resolve(__dirname, "../../../bin/registry-dr.js");
const PRIMARY_IP = "10.1.0.10";
const STANDBY_IP = "10.2.0.20";
const READER = { name: "dr-reader", password: "Fail0ver/Pa55+$ecret" };

describe("registry-dr failover against hostile sites", () => {
  let dns: DnsTestServer;
  let primary: RegistryServer;
  let lockedStandby: RegistryServer;
  let slowStandby: RegistryServer;
  let echoing: Front;
  let slow: Front;
  let dir: string;
  let echoRecord: string;
  let slowRecord: string;

  before(async () => {
    [dns, primary, lockedStandby, slowStandby] = await Promise.all([
      startDnsServer("bind", { records: [`registry 60 IN A ${PRIMARY_IP}`, `pull 60 IN A ${PRIMARY_IP}`, `lib 60 IN A ${PRIMARY_IP}`] }),
      startRegistry(),
      startRegistry({ auth: { kind: "htpasswd", users: { [READER.name]: READER.password } } }),
      startRegistry(),
    ]);
    await Promise.all([pushSmallImage(primary, "dr/app:1.0", undefined, "dr/app:1.0"), pushSmallImage(primary, "dr/other:1.0", undefined, "dr/other:1.0")]);
    // The slow standby holds the image: only its slowness stands between the run and a flip.
    const synced = await runSync({ images: { [`${primary.host}/dr/app`]: `${slowStandby.host}/dr/app` } });
    assert.equal(synced.counts.failed, 0);
    // The standby's front answers the registry's challenge, then refuses the credentials it sent with them in the body.
    echoing = await startFront(lockedStandby.url, { refuseEchoingCredentials: /^(GET|HEAD) \/v2\/$/, refuseOnlyWithCredentials: true });
    slow = await startFront(slowStandby.url, { delay: { requests: /^(GET|HEAD) \/v2\/dr\/app\/manifests\//, ms: 20_000 } });
    dir = makeTempDir("failover-hostile-");
    echoRecord = writeRecord("echo.yaml", "registry", echoing.host, {
      auth: { [echoing.host]: { username: READER.name, password: "${READER_PASSWORD}" } },
      images: { [`${primary.host}/dr/app`]: `${echoing.host}/dr/app`, [`${primary.host}/dr/other`]: `${echoing.host}/dr/other` },
    });
    slowRecord = writeRecord("slow.yaml", "pull", slow.host, { images: { [`${primary.host}/dr/app`]: `${slow.host}/dr/app` } });
  });
  after(async () => {
    await Promise.all([dns?.stop(), primary?.stop(), lockedStandby?.stop(), slowStandby?.stop(), echoing?.close(), slow?.close()]);
    if (dir) await removeTempDir(dir);
  });

  function writeRecord(file: string, name: string, standby: string, readiness: object): string {
    const path = join(dir, file);
    const record = {
      backend: "rfc2136",
      zone: dns.zone,
      name,
      type: "A",
      ttl: 60,
      rfc2136: { server: dns.address, tsig: { ...dns.key, secret: "${TSIG_SECRET}" } },
      sites: { primary: { value: PRIMARY_IP, registry: primary.host }, secondary: { value: STANDBY_IP, registry: standby } },
      readiness,
      clients: false,
    };
    writeFileSync(path, JSON.stringify(record, null, 2));
    return path;
  }

  const env = () => ({ ...process.env, TSIG_SECRET: dns.key.secret, READER_PASSWORD: READER.password });

  const run = (args: string[]) => runCli(args, { cwd: dir, env: env() });

  /** Every form the reader's credential travels in: as sent (base64), decoded, URL-encoded. */
  function credentialForms(): string[] {
    const login = `${READER.name}:${READER.password}`;
    const basic = Buffer.from(login).toString("base64");
    return [basic, basic.replace(/=+$/, ""), encodeURIComponent(basic), login, READER.password, encodeURIComponent(READER.password), dns.key.secret];
  }

  function assertNoCredential(what: string, output: { stdout: string; stderr: string }): void {
    const text = `${output.stdout}\n${output.stderr}`;
    for (const form of credentialForms()) assert.ok(!text.includes(form), `${what} prints ${JSON.stringify(form)}:\n${text}`);
    assert.doesNotMatch(text, /Basic [A-Za-z0-9+/]{8,}/, `${what} prints a Basic credential:\n${text}`);
  }

  test("a standby that echoes the request's credentials: status, its JSON, the preflight lines and --force --json print none of them", async () => {
    const status = await run(["failover", "status", "--record", echoRecord]);
    assert.equal(status.code, 0, status.stderr);
    assertNoCredential("status", status);
    assert.match(status.stdout, /secondary .*: NOT ready/);
    assert.match(status.stdout, /does not answer \/v2\/: .*HTTP 400 \(\[redacted\] is not allowed here/, "the refusal is shown, the credential redacted");

    const statusJson = await run(["failover", "status", "--record", echoRecord, "--json"]);
    assert.equal(statusJson.code, 0, statusJson.stderr);
    const secondary = JSON.parse(statusJson.stdout).sites[1];
    assert.equal(secondary.problems.length, 1, statusJson.stdout);
    assertNoCredential("status --json", statusJson);

    const refused = await run(["failover", "--record", echoRecord, "--to", "secondary"]);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stdout, /^preflight .*does not answer \/v2\//m, "the preflight lines are printed");
    assertNoCredential("failover --to", refused);
    assert.deepEqual(await dns.dig(`registry.${dns.zone}`, "A"), [PRIMARY_IP]);

    const forced = await run(["failover", "--record", echoRecord, "--to", "secondary", "--force", "--json"]);
    assert.equal(forced.code, 0, forced.stderr);
    const result = JSON.parse(forced.stdout);
    assert.equal(result.switched, true);
    assert.equal(result.preflight.forced, true);
    assert.equal(result.preflight.problems.length, 1);
    assertNoCredential("failover --force --json", forced);
    assert.deepEqual(await dns.dig(`registry.${dns.zone}`, "A"), [STANDBY_IP]);
  });

  test("the FailoverRecord's switch (as `pulumi up` runs it): its progress lines, preflight and errors hold no echoed credential", async () => {
    const inputs: FailoverRecordInputs = failoverRecordSchema().parse({
      ...JSON.parse(readFileSync(echoRecord, "utf8")),
      name: "lib",
      rfc2136: { server: dns.address, tsig: dns.key },
      readiness: {
        auth: { [echoing.host]: { username: READER.name, password: READER.password } },
        images: { [`${primary.host}/dr/app`]: `${echoing.host}/dr/app` },
      },
      active: "secondary",
    });
    const lines: string[] = [];
    const refused = await withRecordStore(inputs, async (records) => {
      const [before] = await records.find("lib");
      return applyRecord(records, inputs, before, before.value, (line) => lines.push(line)).then(
        () => assert.fail("a standby that refuses the readiness credentials is not ready"),
        (error: Error) => error.message,
      );
    });
    assert.match(refused, /preflight of the secondary site .* failed/);
    const forced = await withRecordStore(inputs, async (records) => {
      const [before] = await records.find("lib");
      return applyRecord(records, { ...inputs, force: true }, before, before.value, (line) => lines.push(line));
    });
    assert.equal(forced.flipped, true);
    assertNoCredential("the FailoverRecord's switch", { stdout: `${lines.join("\n")}\n${JSON.stringify(forced)}`, stderr: refused });
    assert.match(lines.join("\n"), /preflight .*\[redacted\]/);
  });

  /** Starts a switch to the slow standby and sends `signal` once the preflight waits on its HEADs. */
  async function interruptSwitch(signal: NodeJS.Signals, extra: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const seen = slow.requests.length;
    const child: ChildProcess = spawn(process.execPath, [BIN, "failover", "--record", slowRecord, "--to", "secondary", ...extra], { cwd: dir, env: env() });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
    for (let waited = 0; !slow.requests.slice(seen).some((line) => /\/v2\/dr\/app\/manifests\//.test(line)); waited += 50) {
      assert.ok(waited < 20_000, `the preflight never asked the standby for the image:\n${stderr}`);
      await new Promise((done) => setTimeout(done, 50));
    }
    child.kill(signal);
    return { code: await exited, stdout, stderr };
  }

  for (const [signal, code, extra] of [
    ["SIGINT", 130, []],
    ["SIGTERM", 143, ["--force"]],
  ] as const) {
    test(`${signal} while the standby is slow to answer${extra.length ? " (with --force)" : ""}: exit ${code}, nothing written`, async () => {
      const soa = await dns.dig(dns.zone, "SOA");
      const interrupted = await interruptSwitch(signal, [...extra]);
      assert.equal(interrupted.code, code, interrupted.stderr);
      assert.match(interrupted.stderr, new RegExp(`interrupted \\(${signal}\\) .*A record "pull" in zone ${dns.zone.replace(/\./g, "\\.")} was not changed`));
      assert.doesNotMatch(`${interrupted.stdout}${interrupted.stderr}`, /switched/);
      assert.deepEqual(await dns.dig(`pull.${dns.zone}`, "A"), [PRIMARY_IP]);
      assert.deepEqual(await dns.dig(dns.zone, "SOA"), soa, "the zone's serial did not move: no update was applied");
    });
  }

  test("a reader that closes the pipe early (`failover status | head -1`): a quiet exit, no stack trace", async () => {
    const child = spawn(process.execPath, [BIN, "failover", "status", "--record", echoRecord], { cwd: dir, env: env() });
    // The reading end closes before the command writes its first line.
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((done) => child.on("exit", (exitCode) => done(exitCode)));
    assert.equal(stderr, "", "nothing on stderr");
    assert.equal(code, 0, "the status's own exit code");
  });
});
