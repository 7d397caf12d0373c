import { ConfigError, ConfigIssue, formatPath } from "../../provider/validation";
import { compileJob } from "../../provider/sync";
import { ImageSyncInputs, imageSyncInputsSchema } from "../../provider/resources";
import { DrPlan, parseDrPlan } from "../disaster-recovery/plan-schema";

/** The config namespace of a DR stack's keys (`registry-dr:plan`), whatever the project's name. */
export const CONFIG_NAMESPACE = "registry-dr";

/**
 * A DR stack's plan: one `registry-dr:plan` object (RegistryDisasterRecovery's
 * arguments), or undefined when the stack still uses the ImageSync keys below. Setting both
 * is refused: the plan would silently leave the old copy behind.
 */
export function readPlanConfig(project: string, read: ConfigReader): DrPlan | undefined {
  const raw = read(`${project}:plan`);
  if (raw === undefined) return undefined;
  const legacy = KEYS.filter((key) => read(`${project}:${key}`) !== undefined);
  if (legacy.length > 0) {
    const keys = legacy.map((key) => `${project}:${key}`).join(", ");
    throw new ConfigError(
      [
        {
          path: [],
          message: `${project}:plan is set, and so is ${keys}: move the copy into the plan (a site with replication: {direct: {}}) and remove ${keys}, see README "A DR stack of your own"`,
        },
      ],
      "stack config",
    );
  }
  return parseDrPlan(parseValue(raw), `${project}:plan`);
}

/**
 * A DR stack's older configuration: ImageSync's inputs, one stack config key each
 * (`registry-dr:images`, secret `registry-dr:auth`, `registry-dr:registry`, ...).
 * Values set as JSON (`pulumi config set --path`, or an object in the stack file) are
 * parsed; every problem is reported at once, naming the key.
 */

/** One key for each ImageSync input, run settings included, so the keys follow its schema. */
const KEYS = Object.keys(imageSyncInputsSchema().shape);

/** Reads `project:key` raw values (strings, as Pulumi stores config). */
export type ConfigReader = (key: string) => string | undefined;

export function readStackConfig(project: string, read: ConfigReader): ImageSyncInputs {
  const values: Record<string, unknown> = {};
  for (const key of KEYS) {
    const raw = read(`${project}:${key}`);
    if (raw !== undefined) values[key] = parseValue(raw);
  }
  const parsed = imageSyncInputsSchema().safeParse(values);
  const named = (path: PropertyKey[]) => `${project}:${formatPath(path)}`;
  if (!parsed.success) {
    const issues: ConfigIssue[] = parsed.error.issues.map((issue) => ({
      path: [],
      message:
        issue.path.length === 1 && values[String(issue.path[0])] === undefined
          ? `${named(issue.path)} is not set: run pulumi config set ${named(issue.path)}, or describe the whole DR setup in ${project}:plan (see README)`
          : `${named(issue.path)}: ${issue.message}`,
    }));
    throw new ConfigError(issues, "stack config");
  }
  try {
    compileJob({ images: parsed.data.images, auth: parsed.data.auth, defaults: { registry: parsed.data.registry, namespace: parsed.data.namespace } });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(
      error.issues.map((issue) => ({ path: [], message: `${named(issue.path)}: ${issue.message}` })),
      "stack config",
    );
  }
  return parsed.data;
}

/** Config values are strings; objects, lists, numbers and booleans arrive as JSON. */
function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
