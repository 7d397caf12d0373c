import { z } from "zod";

/**
 * "Exactly one of" choices told apart by which key an object holds (`{harbor: ...}` or
 * `{registry: ...}`), the way a stack file writes them. A plain zod union reports a branch
 * that fails on a missing or mistyped value as "no branch matched"; here the key the value
 * holds chooses the branch, so its problems are named at their own paths, and a value
 * holding none or several of the keys is told which.
 */

/** "a, b or c". */
export function choiceList(keys: readonly string[]): string {
  return keys.length === 1 ? keys[0] : `${keys.slice(0, -1).join(", ")} or ${keys[keys.length - 1]}`;
}

/** What is wrong when `value` holds none or several of `keys` (`hint` says what they are); undefined when it holds exactly one. */
export function oneOfProblem(keys: readonly string[], value: unknown, hint?: string): string | undefined {
  const given = value !== null && typeof value === "object" ? keys.filter((key) => (value as Record<string, unknown>)[key] !== undefined) : [];
  if (given.length === 1) return undefined;
  const expected = `expected exactly one of ${choiceList(keys)}`;
  if (given.length === 0) return hint ? `${expected}: ${hint}` : expected;
  return `${expected}; got ${given.length === 2 ? "both " : ""}${choiceList(given).replace(/ or ([^ ]+)$/, " and $1")}`;
}

/** The union's failures whose value held exactly one key: the errors array zod keeps, and the chosen branch. */
const chosenBranches = new WeakMap<object, number>();

/** A union of objects, `options[i]` chosen by holding `keys[i]`; the options declare the other keys absent. */
export function keyedUnion<const O extends readonly [z.ZodObject, z.ZodObject, ...z.ZodObject[]]>(
  keys: { readonly [I in keyof O]: string },
  options: O,
  hint?: string,
) {
  return z.union(options, {
    error: (issue) => {
      const problem = oneOfProblem(keys, issue.input, hint);
      if (problem !== undefined || issue.code !== "invalid_union") return problem;
      const input = issue.input as Record<string, unknown>;
      const branch = keys.findIndex((key) => input[key] !== undefined);
      chosenBranches.set(issue.errors, branch);
      return issue.errors[branch]?.[0]?.message;
    },
  });
}

/** An option's field for another option's key: given, it is refused with `message`. */
export const absent = (message = "expected no value here") => z.undefined({ error: message }).optional();

/** zod's issues with each keyed union's failure replaced by its chosen branch's own issues, at their paths. */
export function chosenIssues(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  return issues.flatMap((issue) => {
    const branch = issue.code === "invalid_union" ? chosenBranches.get(issue.errors) : undefined;
    if (issue.code !== "invalid_union" || branch === undefined) return [issue];
    return chosenIssues(issue.errors[branch]).map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] }));
  });
}
