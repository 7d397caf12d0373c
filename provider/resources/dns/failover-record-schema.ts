import { z } from "zod";
import { AuthMap, FailoverPreflight, ImagesMap, SyncJob, authMapSchema, compileJob, imagesMapSchema } from "../../sync";
import { ConfigError, ConfigIssue } from "../../validation";
import { regionIdSchema } from "../../validation";
import { parseServerAddress, secretBytes, TSIG_ALGORITHMS } from "../../clients/dns";
import { isZoneName, recordNameSchema, recordValueProblem, sameSitesProblem, ttlProblem } from "./record-rules";

/** FailoverRecord's inputs and outputs, and the rules across its inputs. */

/** A function, not a constant: each call gets a fresh schema. */
export const failoverRecordInputsSchema = () => {
  const text = (what: string) => z.string({ error: `expected ${what}` }).min(1, { error: `expected ${what}` });
  const site = z.strictObject(
    {
      value: text("the record value for this site: a host name (CNAME) or an IPv4 address (A)"),
      registry: text("the site's registry, such as harbor.example.com or https://xxx-registry.cn-hangzhou.cr.aliyuncs.com"),
      insecure: z.boolean({ error: "expected true or false" }).optional(),
      tcpCheck: text('"host:port" that must accept TCP before the record points here, such as 10.2.0.20:443').regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, { error: 'expected "host:port", such as 10.2.0.20:443' }).optional(),
    },
    { error: "expected {value, registry, insecure?, tcpCheck?}" },
  );
  return z.strictObject({
    backend: z.enum(["privatezone", "alidns", "rfc2136"], { error: 'expected "privatezone" (Alibaba PrivateZone), "alidns" (public Alibaba Cloud DNS) or "rfc2136" (a DNS server taking dynamic updates)' }),
    zone: text("the PrivateZone zone id, the public domain name for alidns, or the zone's name for rfc2136"),
    name: recordNameSchema(),
    type: z.enum(["CNAME", "A", "AAAA"], { error: 'expected "CNAME", "A" or "AAAA"' }),
    ttl: z.number({ error: "expected a whole number of seconds" }).int({ error: "expected a whole number of seconds" }).optional(),
    sites: z.strictObject({ primary: site, secondary: site }, { error: "expected {primary: {...}, secondary: {...}}" }),
    active: z.enum(["primary", "secondary"], { error: 'expected "primary" or "secondary": the key of the site in `sites` the record points at' }),
    readiness: z.strictObject({ auth: authMapSchema().optional(), images: imagesMapSchema() }, { error: "expected {auth?, images} as ImageSync takes them" }).optional(),
    force: z.boolean({ error: "expected true or false" }).optional(),
    adopt: z.boolean({ error: "expected true or false" }).optional(),
    alicloud: z
      .strictObject({ accessKey: text("an AccessKey id"), secretKey: text("the AccessKey secret"), securityToken: text("an STS token").optional(), region: regionIdSchema().optional() }, { error: "expected {accessKey, secretKey, securityToken?, region?}" })
      .optional(),
    rfc2136: z
      .strictObject(
        {
          server: text('the primary DNS server, such as "10.0.0.53:53"').optional(),
          servers: z.array(text('a primary DNS server, such as "10.0.0.53:53"'), { error: "expected a list of primary DNS servers" }).min(1, { error: "expected at least one server" }).optional(),
          tsig: z.strictObject(
            {
              name: text('the TSIG key\'s name, such as "dr-key"'),
              algorithm: z.enum(TSIG_ALGORITHMS, { error: `expected one of ${TSIG_ALGORITHMS.join(", ")}` }),
              secret: text("the TSIG secret, base64 as tsig-keygen prints it"),
            },
            { error: "expected {name, algorithm, secret}" },
          ),
          transport: z.enum(["udp", "tcp"], { error: 'expected "udp" (with TCP when a reply is truncated) or "tcp"' }).optional(),
        },
        { error: "expected {server or servers, tsig: {name, algorithm, secret}, transport?}" },
      )
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
  issues.push(...backendProblems(inputs));
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

/** What each backend needs, and what belongs to another backend. */
function backendProblems(inputs: FailoverRecordInputs): ConfigIssue[] {
  if (inputs.backend !== "rfc2136") {
    if (inputs.type === "AAAA") return [{ path: ["type"], message: 'expected "CNAME" or "A": the Alibaba backends here manage those' }];
    return inputs.rfc2136 ? [{ path: ["rfc2136"], message: `expected no rfc2136 settings with backend "${inputs.backend}"` }] : [];
  }
  const issues: ConfigIssue[] = [];
  if (!isZoneName(inputs.zone)) issues.push({ path: ["zone"], message: `expected the zone's name, such as dr.example.com; got "${inputs.zone}"` });
  if (inputs.alicloud) issues.push({ path: ["alicloud"], message: 'expected no alicloud settings with backend "rfc2136"' });
  const settings = inputs.rfc2136;
  if (!settings) return [...issues, { path: ["rfc2136"], message: "expected {server or servers, tsig: {name, algorithm, secret}}: the DNS server(s) to update and the TSIG key" }];
  if ((settings.server === undefined) === (settings.servers === undefined)) issues.push({ path: ["rfc2136", "server"], message: "expected either server or servers (a list of primaries, all updated), not both and not neither" });
  for (const [index, server] of (settings.servers ?? [settings.server ?? ""]).entries()) {
    try {
      if (server) parseServerAddress(server);
    } catch (error) {
      issues.push({ path: settings.servers ? ["rfc2136", "servers", index] : ["rfc2136", "server"], message: (error as Error).message });
    }
  }
  try {
    secretBytes({ ...settings.tsig });
  } catch {
    issues.push({ path: ["rfc2136", "tsig", "secret"], message: "expected the TSIG secret in base64, as tsig-keygen and keymgr print it" });
  }
  return issues;
}

/** The primaries an rfc2136 record lives on. */
export function rfc2136Servers(settings: NonNullable<FailoverRecordInputs["rfc2136"]>): string[] {
  return settings.servers ?? (settings.server ? [settings.server] : []);
}

/** The readiness images as a sync job: what a site must hold before the record points at it. */
export function readinessJob(inputs: Pick<FailoverRecordInputs, "readiness">): SyncJob | undefined {
  return inputs.readiness && { images: inputs.readiness.images as ImagesMap, auth: inputs.readiness.auth as AuthMap | undefined };
}
