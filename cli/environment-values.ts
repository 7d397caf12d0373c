import { AuthMap, environmentReferences } from "../provider/sync";
import { ConfigError, ConfigIssue } from "../provider/validation";

/**
 * Auth values written as exactly `${NAME}` or `$NAME` (environment-references.ts), read from
 * the environment. An unset variable is an error naming it, never an empty login.
 */
export function withEnvironmentValues(auth: AuthMap | undefined, file: string, environment: NodeJS.ProcessEnv = process.env): AuthMap | undefined {
  if (!auth) return auth;
  const issues: ConfigIssue[] = [];
  const resolved: AuthMap = Object.fromEntries(Object.entries(auth).map(([key, entry]) => [key, { ...entry }]));
  for (const { key, field, variable } of environmentReferences(auth)) {
    const value = environment[variable];
    if (value === undefined) issues.push({ path: ["auth", key, field], message: `is read from the environment variable ${variable}, which is not set` });
    else resolved[key][field] = value;
  }
  if (issues.length) throw new ConfigError(issues, file);
  return resolved;
}
