import type { CheckFailure, CheckResult } from "@pulumi/pulumi/dynamic";
import type { z } from "zod";
import { ConfigError, ConfigIssue, formatPath } from "../validation";

/**
 * `check()` for every dynamic resource: validates inputs with a zod schema and reports
 * failures by property path (`auth["harbor.example.com"].password`). During a preview
 * some inputs are not known yet; the engine sends a sentinel for them, and a value that
 * is not known yet is never an error.
 */

/** What the engine sends for a value that is not known yet (a preview). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}

/** The inputs without the serialized provider the engine keeps beside them. */
export function withoutProvider<T extends object>(props: T): T {
  const { __provider: _provider, ...rest } = props as T & { __provider?: unknown };
  return rest as T;
}

export function checkInputs<T>(schema: z.ZodType<T>, news: Record<string, unknown>, deeper?: (inputs: T) => void): CheckResult {
  const inputs = withoutProvider(news);
  const parsed = schema.safeParse(inputs);
  let issues: ConfigIssue[] = parsed.success ? [] : parsed.error.issues.flatMap(toConfigIssues);
  issues = issues.filter((issue) => !touchesUnknown(inputs, issue.path));
  if (parsed.success && deeper && !containsUnknown(inputs)) {
    try {
      deeper(parsed.data);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      issues.push(...error.issues);
    }
  }
  const failures: CheckFailure[] = issues.map((issue) => ({ property: formatPath(issue.path), reason: issue.message }));
  return { inputs: news, failures };
}

/** An unknown property is reported under its own name, so the failure points at it. */
function toConfigIssues(issue: z.core.$ZodIssue): ConfigIssue[] {
  const path = issue.path.map((part) => (typeof part === "symbol" ? String(part) : part));
  if (issue.code === "unrecognized_keys")
    return issue.keys.map((key) => ({ path: [...path, key], message: "unknown property: check its spelling against the documented inputs" }));
  return [{ path, message: issue.message }];
}

function touchesUnknown(root: unknown, path: (string | number)[]): boolean {
  let value = root;
  for (const part of path) {
    if (value === UNKNOWN) return true;
    if (value === null || typeof value !== "object") return false;
    value = (value as Record<string | number, unknown>)[part];
  }
  return containsUnknown(value);
}
