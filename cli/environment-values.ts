import { AuthMap } from "../provider/sync";
import { ConfigError, ConfigIssue } from "../provider/validation";

/**
 * image-syncer reads a `username` or `password` that is exactly `${NAME}` or `$NAME` from the
 * environment, so secrets stay out of config files; an `identityToken` is read the same way. Only whole values: a `$` inside a value
 * (`robot$ci`) stays literal. An unset variable is an error naming it, never an empty login.
 */

const WHOLE_REFERENCE = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$/;

export function withEnvironmentValues(auth: AuthMap | undefined, file: string, environment: NodeJS.ProcessEnv = process.env): AuthMap | undefined {
  if (!auth) return auth;
  const issues: ConfigIssue[] = [];
  const resolved: AuthMap = {};
  for (const [key, entry] of Object.entries(auth)) {
    const copy = { ...entry };
    for (const field of ["username", "password", "identityToken"] as const) {
      const match = typeof copy[field] === "string" ? WHOLE_REFERENCE.exec(copy[field]!) : null;
      if (!match) continue;
      const name = match[1] ?? match[2];
      const value = environment[name];
      if (value === undefined) issues.push({ path: ["auth", key, field], message: `is read from the environment variable ${name}, which is not set` });
      else copy[field] = value;
    }
    resolved[key] = copy;
  }
  if (issues.length) throw new ConfigError(issues, file);
  return resolved;
}
