/**
 * Outputs as the engine can store them. The host converts outputs to protobuf Structs,
 * which reject `undefined`; on the error path that rejection is thrown inside the host's
 * own error handler and the call never answers, so `pulumi up` would hang. Every output
 * goes through here.
 */
export function toStateValue<T>(value: T): T {
  return JSON.parse(JSON.stringify(value));
}
