import { z } from "zod";
import { AuthMap, FailoverPreflight, ImagesMap, SyncJob, authMapSchema, compileJob, imagesMapSchema } from "../../sync";
import { ConfigError, ConfigIssue } from "../../validation";
import { regionIdSchema } from "../../validation";
import { recordNameSchema, recordValueProblem, sameSitesProblem, ttlProblem } from "./record-rules";

/** FailoverRecord's inputs and outputs, and the rules across its inputs. */

/** A function, not a constant: each call gets a fresh schema. */
export const failoverRecordInputsSchema = () => {
  const text = (what: string) => z.string({ error: `expected ${what}` }).min(1, { error: `expected ${what}` });
  const site = z.strictObject(
    {
      value: text("the record value for this site: a host name (CNAME) or an IPv4 address (A)"),
      registry: text("the site's registry, such as harbor.example.com or https://xxx-registry.cn-hangzhou.cr.aliyuncs.com"),
      insecure: z.boolean({ error: "expected true or false" }).optional(),
    },
    { error: "expected {value, registry, insecure?}" },
  );
  return z.strictObject({
    backend: z.enum(["privatezone", "alidns"], { error: 'expected "privatezone" (Alibaba PrivateZone) or "alidns" (public Alibaba Cloud DNS)' }),
    zone: text("the PrivateZone zone id, or the public domain name for alidns"),
    name: recordNameSchema(),
    type: z.enum(["CNAME", "A"], { error: 'expected "CNAME" or "A"' }),
    ttl: z.number({ error: "expected a whole number of seconds" }).int({ error: "expected a whole number of seconds" }).optional(),
    sites: z.strictObject({ primary: site, secondary: site }, { error: "expected {primary: {...}, secondary: {...}}" }),
    active: z.enum(["primary", "secondary"], { error: 'expected "primary" or "secondary": the key of the site in `sites` the record points at' }),
    readiness: z.strictObject({ auth: authMapSchema().optional(), images: imagesMapSchema() }, { error: "expected {auth?, images} as ImageSync takes them" }).optional(),
    force: z.boolean({ error: "expected true or false" }).optional(),
    adopt: z.boolean({ error: "expected true or false" }).optional(),
    alicloud: z
      .strictObject({ accessKey: text("an AccessKey id"), secretKey: text("the AccessKey secret"), securityToken: text("an STS token").optional(), region: regionIdSchema().optional() }, { error: "expected {accessKey, secretKey, securityToken?, region?}" })
      .optional(),
  });
};

export type FailoverRecordInputs = z.infer<ReturnType<typeof failoverRecordInputsSchema>>;

export interface FailoverRecordOutputs extends FailoverRecordInputs {
  /** Bumped when this shape changes; state written by older releases stays readable. */
  schemaVersion: 1;
  recordId: string;
  /** The value the record holds now. */
  activeTarget: string;
  /** The value it held before the last flip (empty when it never flipped). */
  previousTarget: string;
  /** When the record last changed value (ISO 8601). */
  switchedAt: string;
  preflight?: FailoverPreflight;
  /** False for an adopted record: delete leaves it in place. */
  createdByResource: boolean;
}

/** Rules across fields, beyond what the schema's shape says. */
export function checkRecordRules(inputs: FailoverRecordInputs): void {
  const issues: ConfigIssue[] = [];
  const ttl = inputs.ttl === undefined ? undefined : ttlProblem(inputs.backend, inputs.ttl);
  if (ttl) issues.push({ path: ["ttl"], message: ttl });
  for (const site of ["primary", "secondary"] as const) {
    const problem = recordValueProblem(inputs.type, inputs.sites[site].value);
    if (problem) issues.push({ path: ["sites", site, "value"], message: problem });
  }
  const same = sameSitesProblem(inputs.sites.primary.value, inputs.sites.secondary.value);
  if (same) issues.push({ path: ["sites", "secondary", "value"], message: same });
  if (inputs.readiness) {
    try {
      compileJob(readinessJob(inputs)!);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      issues.push(...error.issues.map((issue) => ({ ...issue, path: ["readiness", ...issue.path] })));
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
}

/** The readiness images as a sync job: what a site must hold before the record points at it. */
export function readinessJob(inputs: Pick<FailoverRecordInputs, "readiness">): SyncJob | undefined {
  return inputs.readiness && { images: inputs.readiness.images as ImagesMap, auth: inputs.readiness.auth as AuthMap | undefined };
}
