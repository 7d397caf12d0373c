import { HarborApiError, HarborErrorDetails } from "./harbor-errors";

/**
 * The id of a resource Harbor just created, from `Location`. The answer is untrusted: only
 * the collection just posted to (same origin, or an absolute path) followed by one integer
 * is accepted, compared as written so dot segments and encodings cannot steer it elsewhere.
 */
export function idFromLocation(collection: URL, location: string | undefined, details: HarborErrorDetails): number {
  const path = collection.pathname.replace(/\/+$/, "");
  const pattern = new RegExp(`^(?:${escapeRegExp(collection.origin)})?${escapeRegExp(path)}/([1-9][0-9]{0,14})$`);
  const id = location === undefined ? undefined : pattern.exec(location)?.[1];
  if (id === undefined) {
    throw new HarborApiError(`${details.host}: ${details.call}: expected Location ${path}/<id>, got ${quoteBriefly(location)}`, details);
  }
  return Number(id);
}

function quoteBriefly(value: string | undefined): string {
  if (value === undefined) return "none";
  return JSON.stringify(value.length > 120 ? `${value.slice(0, 120)}...` : value);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
