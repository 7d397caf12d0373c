import { createHash, timingSafeEqual } from "node:crypto";

/**
 * The secret registries send with each event: distribution's `headers: {Authorization: [Bearer
 * SECRET]}` in its notification endpoint, Harbor's webhook "Auth Header" `Bearer SECRET`.
 * Compared in constant time (over digests, so the length leaks nothing either).
 */
export const WATCH_SECRET_VARIABLE = "REGISTRY_DR_WATCH_SECRET";

export { MIN_SECRET_LENGTH } from "../../provider/watch/shared-secret-rule";

export function secretCheck(secret: string): (authorization: string | undefined) => boolean {
  const expected = digest(`Bearer ${secret}`);
  return (authorization) => authorization !== undefined && timingSafeEqual(digest(authorization.trim()), expected);
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}
