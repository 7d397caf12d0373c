import * as pulumi from "@pulumi/pulumi";

/**
 * Inputs and outputs a dynamic resource keeps as secrets. An optional input stays undefined
 * when it is not given: `pulumi.secret(undefined)` would show a secret where there is nothing.
 */

export function secretIfGiven<T>(value: pulumi.Input<T> | undefined): pulumi.Input<T> | undefined {
  return value === undefined ? undefined : (pulumi.secret(value) as pulumi.Input<T>);
}

/** Resource options with these outputs stored as secrets, besides any the caller named. */
export function withSecretOutputs(opts: pulumi.CustomResourceOptions | undefined, ...names: string[]): pulumi.CustomResourceOptions {
  return { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), ...names] };
}
