import { isDeepStrictEqual } from "node:util";
import { containsUnknown } from "./check-inputs";

/**
 * `diff()` from two lists of input keys: those whose change replaces the resource (it names
 * a different thing) and those updated in place. A value not known yet (a preview) is a change.
 */
export function diffKeys<O extends object, N extends object>(olds: O, news: N, replaceOn: readonly string[], updateOn: readonly string[]) {
  const differs = (key: string) => !isDeepStrictEqual((olds as Record<string, unknown>)[key], (news as Record<string, unknown>)[key]);
  const replaces = replaceOn.filter(differs);
  const changes = replaces.length > 0 || containsUnknown(news) || updateOn.some(differs);
  return { changes, replaces, deleteBeforeReplace: replaces.length > 0 };
}
