import type { ParamSpec, ParamValue } from "./action-params";

/** One product's actions: the parameters each takes and what it answers (RequestId added by the server). */
export interface ActionDefinition {
  params: ParamSpec;
  run(params: Record<string, ParamValue>, caller: { accessKeyId: string }): object;
}

export type ActionTable = Record<string, ActionDefinition>;
