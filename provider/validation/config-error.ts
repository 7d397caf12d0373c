/**
 * Input errors that name where the problem is (`images["harbor.example.com/library/nginx"]`)
 * and what was expected. Used by the CLI for config files and by Pulumi resources'
 * `check()`, so both speak the same language.
 */

export interface ConfigIssue {
  /** Property path, e.g. ["images", "harbor.example.com/library/nginx"]. */
  path: (string | number)[];
  message: string;
}

export class ConfigError extends Error {
  override name = "ConfigError";

  constructor(
    readonly issues: ConfigIssue[],
    /** The file or input the issues are in, when there is one. */
    readonly source?: string,
  ) {
    super(formatIssues(issues, source));
  }
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) => {
      if (typeof part === "number") return `[${part}]`;
      const key = String(part);
      if (/^[A-Za-z_$][\w$]*$/.test(key)) return index === 0 ? key : `.${key}`;
      return `[${JSON.stringify(key)}]`;
    })
    .join("");
}

function formatIssues(issues: ConfigIssue[], source?: string): string {
  const prefix = source ? `${source}: ` : "";
  const lines = issues.map((issue) => `${prefix}${issue.path.length ? `${formatPath(issue.path)}: ` : ""}${issue.message}`);
  return lines.join("\n");
}
