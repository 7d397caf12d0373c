import type { CheckResult } from "@pulumi/pulumi/dynamic";
import type { z } from "zod";
import { HarborClient, HarborConnection, withHarbor } from "../../clients/harbor";
import { checkInputs } from "../check-inputs";
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
