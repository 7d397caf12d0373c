import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseDocument } from "yaml";
import { CommandResult, UserStack, outputText, removePackedTarball } from "../../test/engine/support/user-stack";
import {
  ADDRESSES,
  DrillSites,
  NAME,
  USER,
  check,
  indent,
  pullThroughName,
  push,
  recordEnvironment,
  runDrill,
  say,
  startDrillSites,
  step,
  writeRecordFile,
} from "./drill-kit";

/**
 * `npm run demo`: the DR drill as a Pulumi stack of your own, run by the real engine. The
 * project is made from the `pulumi new` template (templates/registry-dr) with the packed
 * package installed, and its data-center-DNS sample stack file is edited to name the drill's
 * sites: the primary and the standby serve registry.dr.example.com over TLS from a drill CA
 * (trusted through NODE_EXTRA_CA_CERTS, as a system CA would be), BIND 9 takes the record's
 * RFC 2136 updates. Then preview, up, a flip by changing the plan's active site (its preview
 * shown), a break-glass flip back with the command line that `pulumi refresh` notices, the
 * failback in the plan, and destroy. A client pulls every image through the name after each
 * flip. Everything is removed at the end.
 */

const TEMPLATE = resolve(__dirname, "../../../templates/registry-dr");
const SAMPLE = "data-center-dns";
const BIN = resolve(__dirname, "../../../bin/registry-dr.js");
const PLAN = "registry-dr:plan";
const REPOSITORIES = ["library/nginx", "library/ingress"];

async function main(): Promise<void> {
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), "registry-dr-stack-drill-"));
  let sites: DrillSites | undefined;
  let stack: UserStack | undefined;
  try {
    sites = await startDrillSites(work, { ips: true, record: false });
    for (const [index, repository] of REPOSITORIES.entries()) await push(sites, sites.primary, `${repository}:1.0`, `stack-v1-${index}`);

    step("a stack of your own: pulumi new from the template, the packed registry-dr installed, the sample stack file edited");
    // The template's program is type-checked where this repository builds; Pulumi's documented
    // PULUMI_NODEJS_TRANSPILE_ONLY skips ts-node's check of it at every command, as a user may.
    stack = await UserStack.fromTemplate("my-registry-dr", TEMPLATE, SAMPLE, { NODE_EXTRA_CA_CERTS: sites.ca.certPath, PULUMI_NODEJS_TRANSPILE_ONLY: "true" });
    editStackFile(stack, sites);
    for (const [path, value] of Object.entries(secrets(sites))) await stack.must(["config", "set", "--secret", "--path", `${PLAN}.${path}`, value]);
    const planCheck = spawnSync(process.execPath, [BIN, "plan", "check", `Pulumi.${SAMPLE}.yaml`], { cwd: stack.dir, encoding: "utf8" });
    process.stdout.write(`$ registry-dr plan check Pulumi.${SAMPLE}.yaml\n${indent(`${planCheck.stdout}${planCheck.stderr}`)}`);
    check(planCheck.status === 0, "the plan checks");

    step("pulumi preview, then pulumi up: the standby synced, the record created pointing at the primary");
    show("pulumi preview", must(await stack.pulumi(["preview"])), /^[+~-] +(?!pulumi:pulumi:Stack)|^Resources:|to create$|^would |^will /);
    show("pulumi up", await stack.up(), /^(synced|preflight|Resources:|\+ \d+ created|Duration:)/);
    check((await sites.dns.dig(NAME, "A")).join() === ADDRESSES.primary, `${NAME} points at the primary`);
    await pullThroughName(sites, "primary");
    must(await stack.preview("--expect-no-changes"));
    say("pulumi preview --expect-no-changes: nothing pending");

    step("a release lands on the primary; the plan's active site becomes dc2: the preview names the site, the value and the preflight's verdict");
    await push(sites, sites.primary, "library/nginx:1.1", "stack-v2");
    await stack.must(["config", "set", "--path", `${PLAN}.failover.active`, "dc2"]);
    const flip = must(await stack.preview());
    show("pulumi preview --diff", flip, /: \(update\)$|^~ active|^would copy|^will switch|^preflight|^~ \d+ to update/);
    check(
      /will switch A record "registry" in zone dr\.example\.com: 127\.0\.0\.2 -> 127\.0\.0\.3/.test(flip.stderr),
      "the preview names the value the record will take",
    );
    check(
      /NOT ready/.test(flip.stderr) && /would copy .*library\/nginx:1\.1/.test(flip.stderr),
      "the preview says the standby lacks the release, and that the copy before the flip brings it",
    );
    say("the preflight sees library/nginx:1.1 missing now; up copies it first (ImageSync), then the record's own preflight passes");
    show("pulumi up", await stack.up(), /^(synced|preflight|Resources:|~ \d+ updated|Duration:)/);
    check((await sites.dns.dig(NAME, "A")).join() === ADDRESSES.standby, `${NAME} points at the standby`);
    await pullThroughName(sites, "standby", "dc2");

    step("break glass: an operator flips the name back with the command line; pulumi refresh notices");
    const flipBack = cli(work, sites, ["failover", "--record", writeRecordFile(work, sites, REPOSITORIES), "--to", "primary"]);
    process.stdout.write(indent(flipBack.output));
    check(flipBack.status === 0, "registry-dr failover --to primary");
    check((await sites.dns.dig(NAME, "A")).join() === ADDRESSES.primary, `${NAME} points at the primary again`);
    const refresh = await stack.must(["refresh", "--yes"]);
    show("pulumi refresh", refresh, /dr-record updated|^~ \d+ updated/);
    check(/~ \d+ updated/.test(refresh.stdout), "refresh shows the record changed outside Pulumi");
    const wouldUndo = must(await stack.preview());
    show(
      "pulumi preview --diff (the plan still says dc2: up would flip the name to the standby again)",
      wouldUndo,
      /: \(update\)$|^~ active|^will switch|^preflight/,
    );

    step("fail back in the plan too: active primary, then up; the plan and the world agree again");
    await stack.must(["config", "set", "--path", `${PLAN}.failover.active`, "primary"]);
    show("pulumi up", await stack.up(), /^(will switch|preflight|failback|Resources:|~ \d+ updated|Duration:)/);
    must(await stack.preview("--expect-no-changes"));
    say("pulumi preview --expect-no-changes: nothing pending");
    await pullThroughName(sites, "primary");

    step("pulumi destroy: the record removed, the registries' images kept");
    show("pulumi destroy", await stack.must(["destroy", "--yes"]), /^(- \d+ deleted|Duration:)/);
    check((await sites.dns.dig(NAME, "A")).length === 0, `${NAME} is gone from BIND`);
    say(`dig ${NAME} A: no answer`);
    say(`drill done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await stack?.remove();
    await removePackedTarball();
    await sites?.stop();
    rmSync(work, { recursive: true, force: true });
    say("stopped the registries and BIND, removed the stack and their files");
  }
}

/** The user's edit of the sample stack file: the drill's registries, DNS server and clients in place of the sample's. */
function editStackFile(stack: UserStack, sites: DrillSites): void {
  const file = join(stack.dir, `Pulumi.${SAMPLE}.yaml`);
  const document = parseDocument(readFileSync(file, "utf8"));
  const set = (path: string, value: unknown) => document.setIn(["config", PLAN, ...path.split(".")], value);
  set("primary.registry", `https://${sites.primary.host}`);
  set("primary.auth.username", USER.username);
  set("protect.repositories", REPOSITORIES);
  set("sites.dc2.registry.url", `https://${sites.standby.host}`);
  set("sites.dc2.registry.username", USER.username);
  set("failover.record.rfc2136.servers", [sites.dns.address]);
  set("failover.record.rfc2136.tsig.name", sites.dns.key.name);
  set("failover.record.rfc2136.tsig.algorithm", sites.dns.key.algorithm);
  set("failover.values.primary", ADDRESSES.primary);
  set("failover.values.dc2", ADDRESSES.standby);
  set("failover.clients", { port: sites.port, caFile: sites.ca.certPath, credential: { username: USER.username } });
  writeFileSync(file, document.toString());
}

/** Set with `pulumi config set --secret --path`, as the sample's comments say. */
function secrets(sites: DrillSites): Record<string, string> {
  return {
    "primary.auth.password": USER.password,
    "sites.dc2.registry.password": USER.password,
    "failover.record.rfc2136.tsig.secret": sites.dns.key.secret,
    "failover.clients.credential.password": USER.password,
  };
}

function cli(work: string, sites: DrillSites, args: string[]): { status: number; output: string } {
  process.stdout.write(`$ registry-dr ${args.map((arg) => arg.replace(work, ".")).join(" ")}\n`);
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd: work, env: recordEnvironment(sites), encoding: "utf8" });
  return { status: result.status ?? 1, output: `${result.stdout ?? ""}${result.stderr ?? ""}` };
}

function must(result: CommandResult): CommandResult {
  if (result.code !== 0) throw new Error(`pulumi exited ${result.code}:\n${outputText(result)}`);
  return result;
}

/** The lines of a command's output (stdout and stderr) a reader looks at; the CLI's progress and plugin notes left out. */
function show(command: string, result: CommandResult, lines: RegExp): void {
  const noise = /^(@ |warning: using pulumi-|.*warning: using pulumi-)/;
  const shown = outputText(result)
    .split("\n")
    .filter((line) => line.trim() !== "" && !noise.test(line.trim()) && lines.test(line.trim()));
  // The engine prints a message on its resource's line and again under Diagnostics: once is enough.
  process.stdout.write(`$ ${command}\n${indent([...new Set(shown)].join("\n"))}\n`);
}

runDrill(main);
