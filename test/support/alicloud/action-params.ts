import { AlicloudFault, contractFault } from "./api-fault";

/**
 * Each action's documented request parameters and how the gateway reads them. A parameter
 * the action does not take, a required one missing, or a value of the wrong shape is a
 * contract violation: the real API would ignore a misspelt name (`RR` for PrivateZone's
 * `Rr`) and silently do something else, which is exactly the bug a test must catch.
 */

export interface ParamRule {
  kind: "string" | "integer" | "boolean";
  required?: boolean;
  oneOf?: readonly string[];
  min?: number;
  max?: number;
}

/** Keys as documented; `N` stands for a list index: "Vpcs.N.VpcId" matches "Vpcs.1.VpcId". */
export type ParamSpec = Record<string, ParamRule>;

export type ParamValue = string | number | boolean;

/** Parameters every RPC action of these products takes besides its own. */
const COMMON: ParamSpec = {
  Lang: { kind: "string", oneOf: ["zh", "en"] },
  UserClientIp: { kind: "string" },
};

export function readParams(action: string, spec: ParamSpec, query: URLSearchParams): Record<string, ParamValue> {
  const rules = { ...COMMON, ...spec };
  const patterns = Object.keys(rules).map((key) => ({ key, pattern: new RegExp(`^${key.replace(/\./g, "\\.").replace(/\bN\b/g, "[1-9][0-9]*")}$`) }));
  const values: Record<string, ParamValue> = {};
  for (const [name, raw] of query) {
    if (name in values) throw contractFault(400, "InvalidParameter", `${action}: the parameter "${name}" is given twice.`);
    const matched = patterns.find(({ pattern }) => pattern.test(name));
    if (!matched) throw contractFault(400, "InvalidParameter", `${action} takes no parameter "${name}"; it takes ${Object.keys(spec).join(", ") || "none"}.`);
    values[name] = parseValue(action, name, raw, rules[matched.key]);
  }
  for (const [name, rule] of Object.entries(rules)) {
    if (rule.required && !name.includes(".N") && !(name in values)) {
      throw contractFault(400, "MissingParameter", `The input parameter "${name}" that is mandatory for processing ${action} is not supplied.`);
    }
  }
  return values;
}

/** "Vpcs.1.RegionId", "Vpcs.1.VpcId", ... as `[{RegionId, VpcId}, ...]`, in index order. */
export function listParam(values: Record<string, ParamValue>, prefix: string): Record<string, ParamValue>[] {
  const items = new Map<number, Record<string, ParamValue>>();
  for (const [name, value] of Object.entries(values)) {
    const match = new RegExp(`^${prefix}\\.(\\d+)\\.(\\w+)$`).exec(name);
    if (!match) continue;
    const index = Number(match[1]);
    items.set(index, { ...items.get(index), [match[2]]: value });
  }
  const indexes = [...items.keys()].sort((a, b) => a - b);
  if (indexes.some((index, position) => index !== position + 1))
    throw contractFault(400, "InvalidParameter", `${prefix}.N must be numbered from 1 without gaps; got ${indexes.join(", ")}.`);
  return indexes.map((index) => items.get(index)!);
}

function parseValue(action: string, name: string, raw: string, rule: ParamRule): ParamValue {
  const invalid = (expected: string): AlicloudFault =>
    contractFault(400, "InvalidParameter", `${action}: the specified parameter "${name}" is not valid: expected ${expected}, got "${raw}".`);
  if (rule.kind === "integer") {
    if (!/^-?\d+$/.test(raw)) throw invalid("an integer");
    const value = Number(raw);
    if ((rule.min !== undefined && value < rule.min) || (rule.max !== undefined && value > rule.max)) throw invalid(`${rule.min ?? "-∞"}..${rule.max ?? "∞"}`);
    return value;
  }
  if (rule.kind === "boolean") {
    if (raw !== "true" && raw !== "false") throw invalid("true or false");
    return raw === "true";
  }
  if (raw === "") throw invalid("a value");
  if (rule.oneOf && !rule.oneOf.includes(raw)) throw invalid(`one of ${rule.oneOf.join(", ")}`);
  return raw;
}
