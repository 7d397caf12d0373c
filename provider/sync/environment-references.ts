import { ConfigError, ConfigIssue } from "../validation";

/**
 * One rule for `${NAME}` in every file registry-dr reads that can hold a secret: the auth of
 * `sync`'s `--config` and `--auth` (as image-syncer reads them), `failover`'s `--record`, and
 * SyncSchedule's auth (its pods read it with the same command). A string value that is exactly
 * `${NAME}` or `$NAME` is read from the environment variable NAME, so secrets stay out of files.
 * Only whole values: a `$` inside one (`robot$ci`, `pa$$word`) stays literal, and keys are
 * never read. A variable that is unset or empty is an error naming it and where it is used,
 * never an empty login. (Images files hold no secrets: a `$` there is refused by the reference grammar.)
 */

const WHOLE_REFERENCE = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$/;

export interface EnvironmentReference {
  /** Where the value is, e.g. ["auth", "harbor.example.com", "password"]. */
  path: (string | number)[];
  variable: string;
}

/** The variable a value names, when it is exactly `${NAME}` or `$NAME`. */
export function environmentVariableOf(value: unknown): string | undefined {
  const match = typeof value === "string" ? WHOLE_REFERENCE.exec(value) : null;
  return match ? (match[1] ?? match[2]) : undefined;
}

/** Every value in `document` (objects and lists, walked whole) that is read from the environment. */
export function environmentReferences(document: unknown, path: (string | number)[] = []): EnvironmentReference[] {
  const variable = environmentVariableOf(document);
  if (variable !== undefined) return [{ path, variable }];
  if (Array.isArray(document)) return document.flatMap((item, index) => environmentReferences(item, [...path, index]));
  if (document !== null && typeof document === "object") return Object.entries(document).flatMap(([key, item]) => environmentReferences(item, [...path, key]));
  return [];
}

/**
 * `document` with every reference replaced by its variable's value; a ConfigError naming every
 * variable that is unset or empty (and `source`, the file), never a value. `path` is where the
 * document sits in its file, for the messages.
 */
export function withEnvironmentValues<T>(
  document: T,
  environment: Readonly<Record<string, string | undefined>>,
  source?: string,
  path: (string | number)[] = [],
): T {
  const issues: ConfigIssue[] = [];
  const resolve = (value: unknown, at: (string | number)[]): unknown => {
    const variable = environmentVariableOf(value);
    if (variable !== undefined) {
      const found = environment[variable];
      if (found === undefined || found === "")
        issues.push({ path: at, message: `is read from the environment variable ${variable}, which is ${found === undefined ? "not set" : "empty"}` });
      return found;
    }
    if (Array.isArray(value)) return value.map((item, index) => resolve(item, [...at, index]));
    if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolve(item, [...at, key])]));
    return value;
  };
  const resolved = resolve(document, path) as T;
  if (issues.length > 0) throw new ConfigError(issues, source);
  return resolved;
}
