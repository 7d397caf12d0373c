import { ConfigError, ConfigIssue, formatPath } from "./provider/validation";
import { compileJob } from "./provider/sync";
import { ImageSyncInputs, imageSyncInputsSchema } from "./provider/resources";

/**
 * The root stack's configuration: ImageSync's inputs, one stack config key each
 * (`registry-dr:images`, secret `registry-dr:auth`, `registry-dr:registry`, ...).
 * Values set as JSON (`pulumi config set --path`, or an object in the stack file) are
 * parsed; every problem is reported at once, naming the key.
 */

const KEYS = ["images", "auth", "registry", "namespace", "proc", "retries", "os", "arch", "force", "retainOnDelete", "timeoutSeconds"] as const;

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
      message: issue.path.length === 1 && values[String(issue.path[0])] === undefined ? `${named(issue.path)} is not set: run pulumi config set ${named(issue.path)} (see README)` : `${named(issue.path)}: ${issue.message}`,
    }));
    throw new ConfigError(issues, "stack config");
  }
  try {
    compileJob({ images: parsed.data.images, auth: parsed.data.auth, defaults: { registry: parsed.data.registry, namespace: parsed.data.namespace } });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(error.issues.map((issue) => ({ path: [], message: `${named(issue.path)}: ${issue.message}` })), "stack config");
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
