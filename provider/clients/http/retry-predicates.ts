import { AttemptOutcome } from "./http-request";
import { isRetryableErrorCode, isRetryableStatus } from "./retry-policy";

/** A transient failure: 408/429/5xx, or a reset or timed-out connection. Safe to repeat only for idempotent requests. */
export function isTransientOutcome(outcome: AttemptOutcome): boolean {
  return outcome.kind === "response" ? isRetryableStatus(outcome.status) : isRetryableErrorCode(outcome.code);
}
