import type * as pulumi from "@pulumi/pulumi";
import type { CheckResult } from "@pulumi/pulumi/dynamic";
import { isDeepStrictEqual } from "node:util";
import type { z } from "zod";
import { HarborClient, HarborConnection, withHarbor } from "../../clients/harbor";
import { checkInputs, containsUnknown } from "../check-inputs";
import { missingHarborConnection, resolveHarborConnection } from "./harbor-connection-input";

/** What every Harbor resource's provider does the same way. */

/** `check`: the inputs against the schema, plus a way to reach Harbor. */
export function checkHarborInputs<T>(schema: z.ZodType<T>, news: Record<string, unknown>, deeper?: (inputs: T) => void): CheckResult {
  const result = checkInputs(schema, news, deeper);
  const missing = missingHarborConnection(news.harbor);
  return missing ? { ...result, failures: [...(result.failures ?? []), { property: "harbor", reason: missing }] } : result;
}

/** Runs `work` against the Harbor the resource names, or the stack config's. */
export function withResourceHarbor<T>(props: { harbor?: unknown }, work: (harbor: HarborClient) => Promise<T>): Promise<T> {
  return withHarbor(resolveHarborConnection(props.harbor as HarborConnection | undefined), work);
}

/** `diff` from the keys whose change replaces the resource and those updated in place. */
export function diffKeys<O extends object, N extends object>(olds: O, news: N, replaceOn: readonly string[], updateOn: readonly string[]) {
  const differs = (key: string) => !isDeepStrictEqual((olds as Record<string, unknown>)[key], (news as Record<string, unknown>)[key]);
  const replaces = replaceOn.filter(differs);
  const changes = replaces.length > 0 || containsUnknown(news) || updateOn.some(differs);
  return { changes, replaces, deleteBeforeReplace: replaces.length > 0 };
}

/** Resource options with the connection (and `more` outputs) stored as secrets. */
export function withSecretOutputs(opts: pulumi.CustomResourceOptions | undefined, ...more: string[]): pulumi.CustomResourceOptions {
  return { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "harbor", ...more] };
}
