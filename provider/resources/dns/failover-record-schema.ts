import { z } from "zod";
import { AuthMap, FailoverPreflight, ImagesMap, SyncJob, authMapSchema, compileJob, imagesMapSchema } from "../../sync";
import { ConfigError, ConfigIssue } from "../../validation";
import { regionIdSchema } from "../../validation";
import { parseServerAddress, secretBytes, TSIG_ALGORITHMS } from "../../clients/dns";
import { GCP_CONFIG_KEYS, googleSettings, parseServiceAccountKey } from "../../clients/google";
import { isManagedZoneName, isZoneName, recordNameSchema, recordValueProblem, sameSitesProblem, ttlProblem } from "./record-rules";

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
    backend: z.enum(["privatezone", "alidns", "rfc2136", "clouddns"], {
      error: 'expected "privatezone" (Alibaba PrivateZone), "alidns" (public Alibaba Cloud DNS), "rfc2136" (a DNS server taking dynamic updates) or "clouddns" (Google Cloud DNS)',
    }),
    zone: text("the PrivateZone zone id, the public domain name for alidns, the zone's name for rfc2136, or the managed zone's name for clouddns"),
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
    google: z
      .strictObject(
        {
          project: text("the Google Cloud project id, such as my-dr-project").optional(),
          serviceAccountKey: text("the service-account key's JSON text").optional(),
          endpoint: text("the Cloud DNS API base URL, such as https://dns.googleapis.com/dns/v1/").optional(),
        },
        { error: "expected {project?, serviceAccountKey?, endpoint?}" },
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
  const foreign = (["alicloud", "rfc2136", "google"] as const)
    .filter((settings) => inputs[settings] !== undefined && settings !== { privatezone: "alicloud", alidns: "alicloud", rfc2136: "rfc2136", clouddns: "google" }[inputs.backend])
    .map((settings) => ({ path: [settings], message: `expected no ${settings} settings with backend "${inputs.backend}"` }));
  if (inputs.backend === "clouddns") return [...foreign, ...cloudDnsProblems(inputs)];
  if (inputs.backend !== "rfc2136") {
    if (inputs.type === "AAAA") return [...foreign, { path: ["type"], message: 'expected "CNAME" or "A": the Alibaba backends here manage those' }];
    return foreign;
  }
  const issues: ConfigIssue[] = [...foreign];
  if (!isZoneName(inputs.zone)) issues.push({ path: ["zone"], message: `expected the zone's name, such as dr.example.com; got "${inputs.zone}"` });
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

/** A managed zone's name, a key that parses (errors name the key's field, never quote it), an https endpoint. */
function cloudDnsProblems(inputs: FailoverRecordInputs): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (!isManagedZoneName(inputs.zone)) issues.push({ path: ["zone"], message: `expected the managed zone's name (as \`gcloud dns managed-zones list\` shows it: lower-case letters, digits and hyphens, such as dr-zone), not its DNS name; got "${inputs.zone}"` });
  const key = inputs.google?.serviceAccountKey;
  if (key !== undefined) {
    try {
      parseServiceAccountKey(key);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      issues.push(...error.issues.map((issue) => ({ ...issue, path: ["google", "serviceAccountKey", ...issue.path] })));
    }
  }
  const endpoint = inputs.google?.endpoint;
  if (endpoint !== undefined && !isApiEndpoint(endpoint)) issues.push({ path: ["google", "endpoint"], message: `expected an https URL such as https://dns.googleapis.com/dns/v1/; got "${endpoint.slice(0, 100)}"` });
  return issues;
}

/** https, or http on loopback only (a test stand-in): requests carry an access token. */
export function isApiEndpoint(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "https:" || (url.protocol === "http:" && /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(url.hostname));
  } catch {
    return false;
  }
}

/** The project a clouddns record lives in: the input, `gcp:project`, or the key's own project_id. */
export function cloudDnsProject(inputs: Pick<FailoverRecordInputs, "google">): string | undefined {
  const settings = googleSettings(inputs.google);
  if (settings.project) return settings.project;
  try {
    return settings.serviceAccountKey ? parseServiceAccountKey(settings.serviceAccountKey).projectId : undefined;
  } catch {
    return undefined;
  }
}

export const MISSING_GOOGLE_PROJECT = `no Google Cloud project: give \`google.project\`, or set ${GCP_CONFIG_KEYS.project} in stack config`;

/** The primaries an rfc2136 record lives on. */
export function rfc2136Servers(settings: NonNullable<FailoverRecordInputs["rfc2136"]>): string[] {
  return settings.servers ?? (settings.server ? [settings.server] : []);
}

/** The readiness images as a sync job: what a site must hold before the record points at it. */
export function readinessJob(inputs: Pick<FailoverRecordInputs, "readiness">): SyncJob | undefined {
  return inputs.readiness && { images: inputs.readiness.images as ImagesMap, auth: inputs.readiness.auth as AuthMap | undefined };
}
