import { isDeepStrictEqual } from "node:util";
import { containsUnknown } from "./check-inputs";

/**
 * `diff()` for every dynamic resource: the old outputs against the new inputs, both normalised
 * the way the remote stores them, so a value the server rewrites (a default filled in, -1
 * stored as 0) is no change. A key whose change names a different thing replaces; the others
 * update in place. A value not known yet (a preview) is a change. Absent and undefined are equal.
 */
export interface DiffRules {
  replaceOn: readonly string[];
  updateOn: readonly string[];
  normalize?: (values: Record<string, unknown>) => Record<string, unknown>;
  /** Whether the replacement would collide with what it replaces (then the old goes first); default always. */
  collides?: (before: Record<string, unknown>, after: Record<string, unknown>) => boolean;
}

export interface InputsDiff {
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace: boolean;
  /** Whether the new inputs hold values not known yet. */
  unknown: boolean;
}

export function diffInputs(olds: object, news: object, rules: DiffRules): InputsDiff {
  const normalize = rules.normalize ?? ((values) => values);
  const before = normalize(olds as Record<string, unknown>);
  const after = normalize(news as Record<string, unknown>);
  const differs = (key: string) => !isDeepStrictEqual(before[key] ?? null, after[key] ?? null);
  const replaces = rules.replaceOn.filter(differs);
  const unknown = containsUnknown(news);
  const deleteBeforeReplace = replaces.length > 0 && (rules.collides?.(before, after) ?? true);
  return { changes: unknown || replaces.length > 0 || rules.updateOn.some(differs), replaces, deleteBeforeReplace, unknown };
}
