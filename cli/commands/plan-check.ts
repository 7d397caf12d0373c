import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { ConfigError } from "../../provider/validation";
import { DrPlan, parseDrPlan } from "../../components/disaster-recovery/plan-schema";
import { UsageError } from "../arguments";

/**
 * `registry-dr plan check Pulumi.dr.yaml`: the stack file's `registry-dr:plan` checked offline
 * (in CI, before `pulumi preview`) with the messages the stack itself gives. Values stored
 * encrypted (`secure:`) cannot be read here; their presence is enough.
 */

export const PLAN_HELP = `Usage: registry-dr plan check STACK_FILE...

Checks the DR plan in Pulumi stack files (Pulumi.<stack>.yaml, the "registry-dr:plan" key)
offline, with the messages \`pulumi preview\` would give, each naming the property's path:
  registry-dr:plan.sites.hangzhou.acrEnterprise.region: expected a region id, such as cn-hangzhou
Encrypted values (secure:) are taken as given: they are checked when the stack runs.

Exit status: 0 every plan is valid, 2 a problem was found.
`;

const PLAN_KEY = "registry-dr:plan";

export async function planCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { help: { type: "boolean", short: "h" } }, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split(". ")[0]} (see registry-dr plan --help)`);
  }
  const [action, ...files] = parsed.positionals;
  if (parsed.values.help || action === undefined) {
    process.stdout.write(PLAN_HELP);
    return parsed.values.help ? 0 : 2;
  }
  if (action !== "check") throw new UsageError(`unknown action "${action}": expected "plan check STACK_FILE..."`);
  if (files.length === 0) throw new UsageError("expected a stack file, such as Pulumi.dr.yaml");
  const problems: string[] = [];
  for (const file of files) {
    try {
      checkStackFile(file);
      process.stdout.write(`${file}: the plan is valid\n`);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.issues.map((issue) => `${file}: ${issue.message}`));
    }
  }
  if (problems.length > 0) throw new ConfigError(problems.map((message) => ({ path: [], message })));
  return 0;
}

/** Throws a ConfigError naming every problem of the file's plan. */
export function checkStackFile(file: string): void {
  readPlanFile(file);
}

/** The plan in a stack file, checked; encrypted values read as "(encrypted)". */
export function readPlanFile(file: string): DrPlan {
  const stack = readStackFile(file);
  const config = stack && typeof stack === "object" ? (stack as { config?: Record<string, unknown> }).config : undefined;
  if (!config || typeof config !== "object" || config[PLAN_KEY] === undefined) {
    throw new ConfigError([
      { path: [], message: `no ${PLAN_KEY} in its config: expected a stack file with config: {"${PLAN_KEY}": {primary, protect, sites, failover?}}` },
    ]);
  }
  const secretPaths: string[][] = [];
  const plan = withoutSecrets(config[PLAN_KEY], [], secretPaths);
  return parseDrPlan(plan, PLAN_KEY, secretPaths);
}

function readStackFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new UsageError(`${file}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const { parseDocument } = require("yaml") as typeof import("yaml");
  const document = parseDocument(text);
  // The yaml package's messages quote the text, which can hold a secret: the position is enough.
  const [problem] = document.errors;
  if (problem)
    throw new ConfigError([
      { path: [], message: `not valid YAML: ${problem.code.toLowerCase().replace(/_/g, " ")} at line ${problem.linePos?.[0].line ?? "?"}` },
    ]);
  try {
    return document.toJS({ maxAliasCount: MAX_ALIAS_EXPANSIONS });
  } catch (error) {
    // The yaml package refuses alias expansions past the limit (an "alias bomb") with a ReferenceError.
    if (!(error instanceof ReferenceError)) throw error;
    throw new ConfigError([
      {
        path: [],
        message: `not valid YAML for a stack file: its aliases expand more than ${MAX_ALIAS_EXPANSIONS} times (a YAML alias bomb?); write the values out instead`,
      },
    ]);
  }
}

/** More than any stack file needs: aliases are rare in them, and each expansion copies a value. */
const MAX_ALIAS_EXPANSIONS = 100;

/** `{secure: "..."}` becomes a stand-in string; its path is remembered so no rule judges it. */
function withoutSecrets(value: unknown, path: string[], secretPaths: string[][]): unknown {
  if (Array.isArray(value)) return value.map((item, index) => withoutSecrets(item, [...path, String(index)], secretPaths));
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value);
  if (entries.length === 1 && entries[0][0] === "secure" && typeof entries[0][1] === "string") {
    secretPaths.push(path);
    return "(encrypted)";
  }
  return Object.fromEntries(entries.map(([key, inner]) => [key, withoutSecrets(inner, [...path, key], secretPaths)]));
}
