import * as pulumi from "@pulumi/pulumi";

/**
 * Inputs and outputs a dynamic resource keeps as secrets. An optional input stays undefined
 * when it is not given: `pulumi.secret(undefined)` would show a secret where there is nothing.
 */

export function secretIfGiven<T>(value: pulumi.Input<T> | undefined): pulumi.Input<T> | undefined {
  return value === undefined ? undefined : (pulumi.secret(value) as pulumi.Input<T>);
}

/**
 * `value` with the input at `path` (such as `["tsig", "secret"]`) wrapped as a secret, and
 * everything beside it left plain, so a preview shows the servers and image lists a reviewer
 * needs while the credential stays `[secret]`. The engine keeps a nested secret nested in
 * state (inputs and outputs alike). Where a level is an Output or a Promise its contents
 * cannot be seen without resolving it, so that whole level becomes the secret: never less
 * secret than asked.
 */
export function secretAtPath(value: unknown, path: readonly string[]): unknown {
  if (value === undefined || path.length === 0) return secretIfGiven(value);
  // A flag where the path goes deeper (`clients: false`) holds nothing to hide.
  if (typeof value === "boolean") return value;
  if (!isPlainObject(value)) return secretIfGiven(value);
  const [key, ...rest] = path;
  return key in value ? { ...value, [key]: secretAtPath(value[key], rest) } : value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Resource options with these outputs stored as secrets, besides any the caller named. */
export function withSecretOutputs(opts: pulumi.CustomResourceOptions | undefined, ...names: string[]): pulumi.CustomResourceOptions {
  return { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), ...names] };
}
