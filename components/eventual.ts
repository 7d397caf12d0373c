import * as pulumi from "@pulumi/pulumi";

/** A component argument whose value is not known while the program runs (an Output or a Promise): checked later, by the provider. */
export function isEventual(value: unknown): boolean {
  return pulumi.Output.isInstance(value) || value instanceof Promise;
}
