import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { z } from "zod";
import {
  FailoverPreflight,
  FailoverRecordInputs,
  applyRecord,
  checkRecordRules,
  clientZoneName,
  describeRecord,
  failoverRecordSchema,
  failoverSiteOf,
  readinessJob,
  readinessPlatforms,
  recordRedactor,
  runFailoverPreflight,
  siteHolding,
  withRecordStore,
} from "../../provider/failover";
import type { HostRoutes } from "../../provider/clients/http";
import { readCertDir, withEnvironmentValues } from "../../provider/sync";
import { ConfigError, Redactor } from "../../provider/validation";
import { UsageError } from "../arguments";
import { readConfigFile } from "../config-files";
import { recordFilesBeside } from "../files-beside";
import { interruptionOf } from "../interruption";

/**
 * The break-glass switch, for when Pulumi's backend or CI is down during the outage:
 * `registry-dr failover --record FILE --to secondary` reads the record's description (the
 * FailoverRecord's own fields, YAML or JSON), runs the same preflight, flips the record with
 * the same compare-and-swap and reads it back. `registry-dr failover status` shows where the
 * record points and whether each site is ready. Afterwards the stack catches up with
 * `pulumi refresh` and `active` set to the site now serving.
 */

const OPTIONS = {
  record: { type: "string" },
  to: { type: "string" },
  force: { type: "boolean" },
  json: { type: "boolean" },
  "cert-dir": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

interface FailoverArguments {
  status: boolean;
  record: string;
  to?: "primary" | "secondary";
  force: boolean;
  json: boolean;
  /** Docker's certs.d layout: DIR/<host[:port]>/ca.crt, client.cert, client.key. */
  certDir?: string;
}

export function parseFailoverArguments(argv: string[]): FailoverArguments | "help" {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split(". ")[0]} (see registry-dr failover --help)`);
  }
  const { values, positionals } = parsed;
  if (values.help) return "help";
  const status = positionals[0] === "status";
  if (positionals.length > (status ? 1 : 0))
    throw new UsageError(
      `unexpected argument "${positionals[status ? 1 : 0]}": expected "failover --record FILE --to SITE" or "failover status --record FILE"`,
    );
  if (!values.record) throw new UsageError("--record FILE is required: the record's description, with the FailoverRecord's fields");
  if (!status && values.to !== "primary" && values.to !== "secondary")
    throw new UsageError(`--to: expected primary or secondary, got ${JSON.stringify(values.to ?? "nothing")}`);
  if (status && values.to) throw new UsageError("--to belongs to a switch, not to status");
  return {
    status,
    record: values.record,
    to: values.to as FailoverArguments["to"],
    force: values.force ?? false,
    json: values.json ?? false,
    ...(values["cert-dir"] ? { certDir: values["cert-dir"] } : {}),
  };
}

export async function failoverCommand(argv: string[], signal: AbortSignal): Promise<number> {
  const args = parseFailoverArguments(argv);
  if (args === "help") {
    process.stdout.write(FAILOVER_HELP);
    return 0;
  }
  const record = loadRecord(args.record, args.to, args.force);
  const routes = args.certDir ? readCertDir(args.certDir) : undefined;
  const output = redactedOutput(recordRedactor(record));
  try {
    return await (args.status ? status(record, args.json, signal, output, routes) : switchRecord(record, args.json, signal, output, routes));
  } catch (error) {
    const interruption = interruptionOf(signal);
    if (interruption && error === interruption) {
      output.stderr(`registry-dr failover: interrupted (${interruption.signal}) before anything was written: ${describeRecord(record)} was not changed`);
      return interruption.exitCode;
    }
    // A refused preflight or compare-and-swap (nothing written), or a server still holding another value after the
    // write: the message says which, and what each server holds as read back; exit 0 is kept for a record that holds the site.
    output.stderr(`registry-dr failover: ${(error as Error).message}`);
    return 1;
  }
}

/**
 * Everything the command prints, each line and each JSON string, goes through the record's
 * redactor: a registry or proxy may echo the readiness credentials, a DNS API its own.
 */
interface RedactedOutput {
  stdout(line: string): void;
  stderr(line: string): void;
  json(value: unknown): void;
}

function redactedOutput(redact: Redactor): RedactedOutput {
  return {
    stdout: (line) => process.stdout.write(`${redact(line)}\n`),
    stderr: (line) => process.stderr.write(`${redact(line)}\n`),
    json: (value) => process.stdout.write(`${JSON.stringify(value, (_key, field) => (typeof field === "string" ? redact(field) : field), 2)}\n`),
  };
}

/**
 * The file's record, `${NAME}` and `$NAME` values read from the environment (environment-references.ts), relative
 * CA and key files beside the file, checked as the resource checks its inputs.
 */
function loadRecord(file: string, to: FailoverArguments["to"], force: boolean): FailoverRecordInputs {
  const raw = readConfigFile(file, z.record(z.string(), z.unknown(), { error: "expected the record's fields: backend, zone, name, type, sites, ..." }));
  const withSecrets = withApplicationCredentials(recordFilesBeside(withEnvironmentValues(raw, process.env, file), file), file);
  const record = checkedRecord(file, { active: "primary", ...withSecrets, ...(to ? { active: to } : {}), ...(force ? { force: true } : {}) });
  try {
    checkRecordRules(record);
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(error.issues, file);
    throw error;
  }
  return record;
}

/**
 * As Google's own tools do, a clouddns record that names no key uses the key file that
 * GOOGLE_APPLICATION_CREDENTIALS points at (there is no stack config to fall back on here).
 */
function withApplicationCredentials(record: Record<string, unknown>, file: string): Record<string, unknown> {
  const google = record.google ?? {};
  if (record.backend !== "clouddns" || typeof google !== "object" || Array.isArray(google) || "serviceAccountKey" in google) return record;
  const keyFile = process.env.GOOGLE_APPLICATION_CREDENTIALS;
  if (!keyFile) {
    const message =
      "no Google service-account key: give google.serviceAccountKey (write it as ${NAME} to read it from the environment), or set GOOGLE_APPLICATION_CREDENTIALS to the key file's path";
    throw new ConfigError([{ path: ["google", "serviceAccountKey"], message }], file);
  }
  try {
    return { ...record, google: { ...google, serviceAccountKey: readFileSync(keyFile, "utf8") } };
  } catch (error) {
    const message = `GOOGLE_APPLICATION_CREDENTIALS names ${JSON.stringify(keyFile)}, which cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): expected the service-account key file's path`;
    throw new ConfigError([{ path: ["google", "serviceAccountKey"], message }], file);
  }
}

function checkedRecord(file: string, value: unknown): FailoverRecordInputs {
  const parsed = failoverRecordSchema().safeParse(value);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    parsed.error.issues.map((issue) => ({ path: issue.path.map(String), message: issue.message })),
    file,
  );
}

async function switchRecord(inputs: FailoverRecordInputs, json: boolean, signal: AbortSignal, output: RedactedOutput, routes?: HostRoutes): Promise<number> {
  return withRecordStore(inputs, async (records) => {
    const found = (await records.find(inputs.name)).filter((record) => record.type === inputs.type);
    if (found.length !== 1) {
      output.stderr(
        `registry-dr failover: ${describeRecord(inputs)}: expected one record there, found ${found.length}${found.length ? ` (${found.map((record) => record.value).join(", ")})` : ""}; nothing was changed`,
      );
      return 1;
    }
    const before = found[0];
    // The record as just read is what the write's compare-and-swap expects.
    // With --json, stdout holds the JSON alone; the progress lines go to stderr.
    const say = json ? output.stderr : output.stdout;
    const applied = await applyRecord(records, inputs, before, before.value, say, { signal, routes });
    const result = {
      record: describeRecord(inputs),
      site: inputs.active,
      from: before.value,
      to: applied.activeTarget,
      switched: applied.flipped,
      preflight: applied.preflight,
    };
    if (json) output.json(result);
    else if (!applied.flipped) say(`${result.record} already points at the ${inputs.active} site (${result.to}); nothing to do`);
    return 0;
  });
}

async function status(inputs: FailoverRecordInputs, json: boolean, signal: AbortSignal, output: RedactedOutput, routes?: HostRoutes): Promise<number> {
  const { current, zoneName } = await withRecordStore(inputs, async (records) => ({
    current: (await records.find(inputs.name)).filter((record) => record.type === inputs.type),
    zoneName: await clientZoneName(inputs, records),
  }));
  const value = current.map((record) => record.value).join(", ");
  const pointsAt = current.length === 1 ? siteHolding(inputs, current[0].value) : undefined;
  const sites = await Promise.all(
    (["primary", "secondary"] as const).map(
      async (site): Promise<FailoverPreflight> =>
        runFailoverPreflight(failoverSiteOf(inputs, site, zoneName), readinessJob(inputs), false, {
          signal,
          ...(routes ? { transport: { routes } } : {}),
          platforms: readinessPlatforms(inputs),
          // While the secondary serves, whether the primary could take back over includes what the secondary got meanwhile.
          failbackFrom: site === "primary" && pointsAt === "secondary" ? failoverSiteOf(inputs, "secondary", zoneName) : undefined,
        }),
    ),
  );
  // A cancelled preflight reports its images as errors: say it was interrupted instead.
  signal.throwIfAborted();
  if (json) {
    output.json({ record: describeRecord(inputs), value: value || null, active: pointsAt ?? null, sites });
  } else {
    output.stdout(
      `${describeRecord(inputs)}: ${value || "no record"}${pointsAt ? ` (the ${pointsAt} site)` : current.length ? " (neither site's value)" : ""}`,
    );
    for (const preflight of sites) {
      output.stdout(
        `${preflight.site.padEnd(9)} ${preflight.registry}: ${preflight.problems.length === 0 ? "ready" : "NOT ready"} (${preflight.counts.present} present, ${preflight.counts.missing} missing, ${preflight.counts.differs} differ)`,
      );
      if (preflight.clientsNotChecked) output.stdout(`          ${preflight.clientsNotChecked}`);
      for (const problem of preflight.problems) output.stdout(`          ${problem}`);
    }
  }
  // Monitoring can alert on it: 1 while the name points at neither site (a half-done flip, a hand-set value, no record).
  return pointsAt ? 0 : 1;
}

export const FAILOVER_HELP = `Usage: registry-dr failover --record FILE --to primary|secondary [--force] [--json] [--cert-dir DIR]
       registry-dr failover status --record FILE [--json] [--cert-dir DIR]

Switches a failover DNS record without Pulumi (its backend or CI may be down in an outage),
exactly as the FailoverRecord resource does: a preflight of the site it moves to (its
registry answers and holds every readiness image), a compare-and-swap write (a record
changed by someone else meanwhile is not overwritten), and a read-back.

  --record FILE   the record, YAML or JSON, with the FailoverRecord's fields (backend, zone,
                  name, type, ttl, sites, readiness, clients, rfc2136 | alicloud | google); a value
                  written exactly as \${NAME} or $NAME is read from the environment variable NAME;
                  a clouddns record without google.serviceAccountKey uses the key file
                  GOOGLE_APPLICATION_CREDENTIALS names; a relative caFile, certFile or
                  keyFile is read beside FILE
  --to SITE       primary or secondary
  --force         switch even when the preflight fails
  --json          print the result as JSON
  --cert-dir DIR  CAs and client certificates per registry, in docker's certs.d layout:
                  DIR/<host[:port]>/*.crt (CAs), client.cert and client.key

The preflight also pulls every readiness image as clients will after the switch: through
the failover name (TLS server name and Host) from the site's address, certificate verified
for the name, at the primary's repository paths, with the clients' credential. The record's
clients block says how (name: default the record's name in its zone; port: default 443;
caFile or ca: default the system's CAs; insecure; credential: default the readiness
credential for the primary's registry). clients: false turns this off where this machine
cannot reach the registry as clients do; the preflight then says it was not checked.

Afterwards, bring the stack in line: pulumi refresh, then set active to the site now serving.
`;
