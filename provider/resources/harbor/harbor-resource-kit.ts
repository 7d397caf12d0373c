import type { CheckFailure } from "@pulumi/pulumi/dynamic";
import { HarborClient, isHarborStatus, unlessGone, withHarbor } from "../../clients/harbor";
import { containsUnknown } from "../check-inputs";
import {
  HARBOR_CONFIG_KEYS,
  currentHarborConnection,
  harborIdentity,
  harborTrustProblems,
  missingHarborConnection,
  rememberHarborConfig,
  resolveHarborConnection,
} from "./harbor-connection-input";

/** What every Harbor resource's provider does the same way. */

type Values = Record<string, unknown>;

/**
 * A resource's diff normalization with its `harbor` input compared by the Harbor it names
 * alone: a rotated password or another account is no change to any Harbor object.
 */
export function comparedByHarbor<V extends { harbor?: unknown }>(normalize: (values: V) => Values = (values) => values): (values: V) => Values {
  return (values) => {
    const normalized = normalize(values);
    return "harbor" in normalized ? { ...normalized, harbor: harborIdentity(normalized.harbor) } : normalized;
  };
}

/**
 * Spread into a Harbor resource's definition: its token module, the stack config's Harbor
 * connection (`configure`), a `check` failure when there is no way to reach Harbor, and
 * the connection left out of diff but for the Harbor it names (a resource with its own
 * normalization wraps it in `comparedByHarbor`).
 */
export const harborResourceBase = {
  module: "harbor",
  configure: rememberHarborConfig,
  preconditions: (news: Values): CheckFailure[] => {
    const missing = missingHarborConnection(news.harbor);
    if (missing) return [{ property: "harbor", reason: missing }];
    return containsUnknown(news.harbor) ? [] : harborTrustProblems(news.harbor);
  },
  normalize: comparedByHarbor(),
};

/** Runs `work` (a create or update) against the Harbor the resource's inputs name, or the stack config's. */
export function withResourceHarbor<T>(props: { harbor?: unknown }, work: (harbor: HarborClient) => Promise<T>): Promise<T> {
  return withHarbor(resolveHarborConnection(props.harbor as Parameters<typeof resolveHarborConnection>[0]), work);
}

/**
 * Runs `work` (a read or delete) against the Harbor named in state, with the current
 * credentials: the stack config's for that Harbor, else those stored at the last create or update.
 */
export async function withStoredHarbor<T>(props: { harbor?: unknown }, work: (harbor: HarborClient) => Promise<T>): Promise<T> {
  const connection = currentHarborConnection(props.harbor as Parameters<typeof currentHarborConnection>[0]);
  try {
    return await withHarbor(connection, work);
  } catch (error) {
    if (!isHarborStatus(error, 401)) throw error;
    throw new Error(
      `Harbor at ${connection.url} refused ${connection.username}'s password. Refresh and destroy log in with the stack config's ` +
        `${HARBOR_CONFIG_KEYS.username} and ${HARBOR_CONFIG_KEYS.password} when ${HARBOR_CONFIG_KEYS.url} names this Harbor, else with the ` +
        `credentials stored at the resource's last create or update: set the current ones there, then run with --run-program ` +
        `(or after a \`pulumi up\`, which records the config). Harbor: ${error.message}`,
    );
  }
}

/** `read` of one Harbor object: one Harbor no longer has reads as deleted (an empty id); else `describe` says what it is. */
export function readHarborObject<T, R>(
  props: { harbor?: unknown },
  get: (harbor: HarborClient) => Promise<T>,
  describe: (current: T, harbor: HarborClient) => Promise<R>,
): Promise<R | { id: string; props: Record<string, never> }> {
  return withStoredHarbor(props, async (harbor) => {
    const current = await unlessGone(get(harbor));
    return current === undefined ? { id: "", props: {} } : describe(current, harbor);
  });
}
