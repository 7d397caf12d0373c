import type { z } from "zod";
import { ConfigError, ConfigIssue } from "./config-error";
import { chosenIssues } from "./one-of";

/** Runs a zod schema and turns its failures into a ConfigError naming each property. */
export function parseWithSchema<T>(schema: z.ZodType<T>, value: unknown, source?: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues: ConfigIssue[] = chosenIssues(result.error.issues).map((issue) => ({
    path: issue.path.map((part) => (typeof part === "symbol" ? String(part) : part)),
    message: issue.message,
  }));
  throw new ConfigError(issues, source);
}
