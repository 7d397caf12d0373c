import type { z } from "zod";
import { isEventual } from "./eventual";

/**
 * A component's arguments checked with the providers' own schemas and rules, for the values
 * known while the program runs; an Output or a Promise is left to the provider's `check`.
 * Errors name the component, the property, what is expected and what was given.
 */
export class ArgumentChecks {
  constructor(
    private readonly component: string,
    private readonly name: string,
  ) {}

  fail(property: string, expected: string, got: unknown): never {
    throw new Error(`${this.component} ${this.name}: ${property}: ${expected}; got ${JSON.stringify(got)}`);
  }

  /** `value` against a provider schema; undefined passes unless `required`. */
  schema(property: string, value: unknown, schema: z.ZodType, required = false): void {
    if (value === undefined && !required) return;
    if (isEventual(value)) return;
    const parsed = schema.safeParse(value);
    if (!parsed.success) this.fail(property, parsed.error.issues[0].message, value);
  }

  /** `value` against a provider rule (a predicate on the known value); `expected` says what the rule wants here. */
  rule<T>(property: string, value: unknown, holds: (known: T) => boolean, expected: string, required = false): void {
    if (value === undefined && !required) return;
    if (isEventual(value)) return;
    if (value === undefined || value === null || !holds(value as T)) this.fail(property, `expected ${expected}`, value);
  }

  /** A rule that explains itself: `problem` returns the message, or undefined when the value is fine. */
  problem(property: string, got: unknown, problem: string | undefined): void {
    if (problem) this.fail(property, problem, got);
  }
}

/** Whether a value is known now (given, and not an Output or a Promise). */
export function isKnown(value: unknown): boolean {
  return value !== undefined && !isEventual(value);
}
