import type { CheckFailure } from "@pulumi/pulumi/dynamic";
import { HarborClient, unlessGone, withHarbor } from "../../clients/harbor";
import { containsUnknown } from "../check-inputs";
import { harborTrustProblems, missingHarborConnection, rememberHarborConfig, resolveHarborConnection } from "./harbor-connection-input";

/** What every Harbor resource's provider does the same way. */

/**
 * Spread into a Harbor resource's definition: its token module, the stack config's Harbor
 * connection (`configure`), and a `check` failure when there is no way to reach Harbor.
 */
export const harborResourceBase = {
  module: "harbor",
  configure: rememberHarborConfig,
  preconditions: (news: Record<string, unknown>): CheckFailure[] => {
    const missing = missingHarborConnection(news.harbor);
    if (missing) return [{ property: "harbor", reason: missing }];
    return containsUnknown(news.harbor) ? [] : harborTrustProblems(news.harbor);
  },
};

/** Runs `work` against the Harbor the resource names, or the stack config's. */
export function withResourceHarbor<T>(props: { harbor?: unknown }, work: (harbor: HarborClient) => Promise<T>): Promise<T> {
  return withHarbor(resolveHarborConnection(props.harbor as Parameters<typeof resolveHarborConnection>[0]), work);
}

/** `read` of one Harbor object: one Harbor no longer has reads as deleted (an empty id); else `describe` says what it is. */
export function readHarborObject<T, R>(
  props: { harbor?: unknown },
  get: (harbor: HarborClient) => Promise<T>,
  describe: (current: T, harbor: HarborClient) => Promise<R>,
): Promise<R | { id: string; props: Record<string, never> }> {
  return withResourceHarbor(props, async (harbor) => {
    const current = await unlessGone(get(harbor));
    return current === undefined ? { id: "", props: {} } : describe(current, harbor);
  });
}
