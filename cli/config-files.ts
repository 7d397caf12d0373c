import { readFileSync } from "node:fs";
import { extname } from "node:path";
import type { z } from "zod";
import { AuthMap, SyncJob, authMapSchema, compileJob, imagesMapSchema, syncConfigSchema, withEnvironmentValues } from "../provider/sync";
import { ConfigError, parseJsonText, parseWithSchema } from "../provider/validation";
import { CommandArguments, UsageError } from "./arguments";
import { authFilesBeside } from "./files-beside";

/**
 * Reads image-syncer's configuration: one `--config` file with `auth` and `images`, or
 * separate `--auth` and `--images` files. JSON or YAML (by extension; YAML otherwise,
 * which also reads JSON). Values are taken literally, a `$` in a password stays a `$`, except
 * an auth value that is exactly `${NAME}` or `$NAME` (environment-references.ts).
 * `--registry`/`--namespace` default to DEFAULT_REGISTRY/DEFAULT_NAMESPACE, as in image-syncer.
 */
export function loadSyncJob(args: CommandArguments): SyncJob {
  const defaults = {
    registry: args.registry ?? (process.env.DEFAULT_REGISTRY || undefined),
    namespace: args.namespace ?? (process.env.DEFAULT_NAMESPACE || undefined),
  };
  if (args.config) {
    if (args.images || args.auth) throw new UsageError("give either --config, or --auth and --images; not both");
    const config = readConfigFile(args.config, syncConfigSchema());
    return checkedJob(args.config, { images: config.images, auth: authFilesBeside(authFromEnvironment(config.auth, args.config), args.config), defaults });
  }
  if (!args.images) throw new UsageError("no images to sync: give --config FILE (with auth and images), or --images FILE (and --auth FILE)");
  const images = readConfigFile(args.images, imagesMapSchema());
  const auth = args.auth ? authFilesBeside(authFromEnvironment(readConfigFile(args.auth, authMapSchema()), args.auth), args.auth) : undefined;
  return checkedJob(args.images, { images, auth, defaults });
}

function authFromEnvironment(auth: AuthMap | undefined, file: string): AuthMap | undefined {
  return auth && withEnvironmentValues(auth, process.env, file, ["auth"]);
}

/** A JSON or YAML file read and checked with `schema`; errors name the file, never quote its text. */
export function readConfigFile<T>(file: string, schema: z.ZodType<T>): T {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new UsageError(`${file}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return parseWithSchema(schema, parseText(file, text), file);
}

function parseText(file: string, text: string): unknown {
  // Errors name the kind, line and column, never the text: the text can be part of a password.
  if (extname(file).toLowerCase() === ".json") return parseJsonText(text, file);
  try {
    // Loaded only for YAML files: most configs are JSON, and every millisecond of start-up shows in cron runs.
    const { parse } = require("yaml") as typeof import("yaml");
    return parse(text);
  } catch (error) {
    throw new ConfigError([{ path: [], message: `not valid YAML: ${describeYamlError(error)}` }], file);
  }
}

/** The yaml package quotes the offending text in its messages; its code and position are enough. */
function describeYamlError(error: unknown): string {
  const { code, linePos } = error as { code?: string; linePos?: { line: number; col: number }[] };
  const kind = code ? code.toLowerCase().replace(/_/g, " ") : "syntax error";
  return linePos?.[0] ? `${kind} at line ${linePos[0].line}, column ${linePos[0].col}` : kind;
}

/** Checks the rules now, so their errors name the file they are in and nothing is pushed. */
function checkedJob(file: string, job: SyncJob): SyncJob {
  try {
    compileJob(job);
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(error.issues, file);
    throw error;
  }
  return job;
}
