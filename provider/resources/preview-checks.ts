/**
 * What a preview may look at beyond the inputs: the registries a flip would point at, the
 * destinations a copy would fill. A reviewer sees the preflight's verdict and the images
 * that would be copied; a CI runner that cannot reach the registries sets
 * `REGISTRY_DR_PREVIEW_CHECKS=off` and gets the plain input diff. Either way the look is
 * bounded, and what could not be checked is said, never counted as a change.
 */

export const PREVIEW_CHECKS_VARIABLE = "REGISTRY_DR_PREVIEW_CHECKS";

/** The longest a preview spends on one resource's checks. */
export const PREVIEW_CHECK_DEADLINE_MS = 30_000;

export function previewChecksEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[PREVIEW_CHECKS_VARIABLE]?.toLowerCase() !== "off";
}

export function previewCheckSignal(): AbortSignal {
  return AbortSignal.timeout(PREVIEW_CHECK_DEADLINE_MS);
}
