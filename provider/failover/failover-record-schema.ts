import { z } from "zod";
import { parseServerAddress, secretBytes, TSIG_ALGORITHMS } from "../clients/dns";
import { GCP_CONFIG_KEYS, googleSettings, parseServiceAccountKey } from "../clients/google";
import { AuthMap, ImagesMap, PlatformFilter, SyncJob, authMapSchema, compileJob, imagesMapSchema, runSettingsSchema } from "../sync";
import { ConfigError, ConfigIssue, regionIdSchema } from "../validation";
import { failoverClientProblems } from "./client-paths";
import { failbackMappingProblems } from "./failback-check";
import { clientSettingsProblems } from "./client-settings";
import { FailoverBackend, isManagedZoneName, isZoneName, recordNameSchema, recordValueProblem, sameSitesProblem, ttlProblem } from "./record-rules";

/**
 * A failover record's description, the same for the FailoverRecord resource, the break-glass
 * command and a DR plan: one variant per backend, each taking exactly its own settings
 * (`alicloud`, `rfc2136` or `google`); another backend's block is refused by name.
 * Functions, not constants: each call gets a fresh schema.
 */

const text = (what: string) => z.string({ error: `expected ${what}` }).min(1, { error: `expected ${what}` });
const flag = () => z.boolean({ error: "expected true or false" });

export const failoverSiteSchema = () =>
  z.strictObject(
    {
      value: text("the record value for this site: a host name (CNAME) or an IPv4 address (A)"),
      registry: text("the site's registry, such as harbor.example.com or https://xxx-registry.cn-hangzhou.cr.aliyuncs.com"),
      insecure: flag().optional(),
      tcpCheck: text('"host:port" that must accept TCP before the record points here, such as 10.2.0.20:443')
        .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, { error: 'expected "host:port", such as 10.2.0.20:443' })
        .optional(),
      caFile: text("the path of a PEM file with the site registry's CA certificate(s)").optional(),
      ca: text("the site registry's CA certificate(s) as PEM text").optional(),
    },
    { error: "expected {value, registry, insecure?, tcpCheck?, caFile?, ca?}" },
  );

const CLIENTS_EXPECTED =
  "expected {name?, port?, caFile?, ca?, insecure?, credential?}: how clients reach the registry through the failover name (every field has a default), or false where the client view cannot be checked from here";

/**
 * How clients reach the registry through the failover name, so a preflight pulls as they will:
 * the name (default: the record's own name in its zone's DNS name), the port (default 443), the
 * CA they trust (default the system store), and the credential they pull with (default: the
 * readiness credential for the primary's registry).
 */
export const clientsSchema = () =>
  z.strictObject(
    {
      name: text("the name clients pull through, such as registry.dr.example.com")
        .regex(/^(?=.*[a-z])([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]*[a-z0-9])?\.?$/i, {
          error: "expected a DNS name, such as registry.dr.example.com",
        })
        .optional(),
      port: z
        .number({ error: "expected a port number" })
        .int({ error: "expected a whole port number" })
        .min(1, { error: "expected a port from 1 to 65535" })
        .max(65535, { error: "expected a port from 1 to 65535" })
        .optional(),
      caFile: text("the path of a PEM file with the CA certificate(s) clients trust for the name").optional(),
      ca: text("the CA certificate(s) clients trust for the name, as PEM text").optional(),
      insecure: flag().optional(),
      credential: z
        .strictObject({ username: text("the clients' user name"), password: text("the clients' password") }, { error: "expected {username, password}" })
        .optional(),
    },
    { error: CLIENTS_EXPECTED },
  );

export type ClientsSettings = z.infer<ReturnType<typeof clientsSchema>>;

/**
 * `clients` as a record or a DR plan takes it: the settings (the client view runs with its
 * defaults when they are left out), or `false`, where this tool cannot reach the registry as
 * clients do; the preflight then says the client view was not checked. The settings' own
 * problems keep their paths (`clients.port`), which a plain union would fold into one message.
 */
export const clientsSettingSchema = () =>
  z.custom<false | ClientsSettings>().superRefine((value, context) => {
    if (value === false) return;
    const parsed = clientsSchema().safeParse(value);
    for (const issue of parsed.success ? [] : parsed.error.issues)
      context.addIssue({ ...issue, input: undefined, ...(issue.path.length === 0 ? { message: CLIENTS_EXPECTED } : {}) } as Parameters<
        typeof context.addIssue
      >[0]);
  });

/** Alibaba Cloud credentials for PrivateZone and Alibaba Cloud DNS; the stack config fills in what is left out. */
export const alicloudSettingsSchema = () =>
  z.strictObject(
    {
      accessKey: text("an AccessKey id"),
      secretKey: text("the AccessKey secret"),
      securityToken: text("an STS token").optional(),
      region: regionIdSchema().optional(),
    },
    { error: "expected {accessKey, secretKey, securityToken?, region?}" },
  );

/** The primaries an rfc2136 record is written to, and the TSIG key that signs the updates. */
export const rfc2136SettingsSchema = () =>
  z.strictObject(
    {
      server: text('the primary DNS server, such as "10.0.0.53:53"').optional(),
      servers: z
        .array(text('a primary DNS server, such as "10.0.0.53:53"'), { error: "expected a list of primary DNS servers" })
        .min(1, { error: "expected at least one server" })
        .optional(),
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
    { error: "expected {server or servers, tsig: {name, algorithm, secret}, transport?}: the DNS server(s) to update and the TSIG key" },
  );

/** The Google Cloud project and key a clouddns record is written with; the stack config fills in what is left out. */
export const cloudDnsSettingsSchema = () =>
  z.strictObject(
    {
      project: text("the Google Cloud project id, such as my-dr-project").optional(),
      serviceAccountKey: text("the service-account key's JSON text").optional(),
      endpoint: text("the Cloud DNS API base URL, such as https://dns.googleapis.com/dns/v1/").optional(),
    },
    { error: "expected {project?, serviceAccountKey?, endpoint?}" },
  );

const recordTypeSchema = () => z.enum(["CNAME", "A", "AAAA"], { error: 'expected "CNAME", "A" or "AAAA"' });

/** Where the record lives, whatever the backend. */
const placementShape = () => ({
  zone: text("the PrivateZone zone id, the public domain name for alidns, the zone's name for rfc2136, or the managed zone's name for clouddns"),
  name: recordNameSchema(),
  type: recordTypeSchema(),
  ttl: z.number({ error: "expected a whole number of seconds" }).int({ error: "expected a whole number of seconds" }).optional(),
  adopt: flag().optional(),
});

/** Which site the record points at, and what is checked before it moves. */
const switchingShape = () => ({
  sites: z.strictObject({ primary: failoverSiteSchema(), secondary: failoverSiteSchema() }, { error: "expected {primary: {...}, secondary: {...}}" }),
  active: z.enum(["primary", "secondary"], { error: 'expected "primary" or "secondary": the key of the site in `sites` the record points at' }),
  readiness: z
    .strictObject(
      { auth: authMapSchema().optional(), images: imagesMapSchema(), os: runSettingsSchema().shape.os, arch: runSettingsSchema().shape.arch },
      { error: "expected {auth?, images, os?, arch?} as ImageSync takes them" },
    )
    .optional(),
  clients: clientsSettingSchema().optional(),
  force: flag().optional(),
});

/** The fields every backend has, for components that check their arguments one field at a time. */
export const failoverRecordFieldsSchema = () => z.strictObject({ ...placementShape(), ...switchingShape() });

const BACKEND_ERROR =
  'expected "privatezone" (Alibaba PrivateZone), "alidns" (public Alibaba Cloud DNS), "rfc2136" (a DNS server taking dynamic updates) or "clouddns" (Google Cloud DNS)';

/** Which settings block each backend takes. */
export const BACKEND_SETTINGS = { privatezone: "alicloud", alidns: "alicloud", rfc2136: "rfc2136", clouddns: "google" } as const satisfies Record<
  FailoverBackend,
  string
>;

/** What is said of another backend's settings block, by the record's schema and by a DR plan's check. */
export function foreignSettingsMessage(settings: "alicloud" | "rfc2136" | "google", backend: FailoverBackend): string {
  const owners = Object.entries(BACKEND_SETTINGS)
    .filter(([, block]) => block === settings)
    .map(([owner]) => `"${owner}"`)
    .join(" and ");
  return `expected no ${settings} settings with backend "${backend}": they belong to backend ${owners}`;
}

/** Another backend's settings block, refused by name. */
const notFor = (settings: "alicloud" | "rfc2136" | "google", backend: FailoverBackend) =>
  z.never({ error: foreignSettingsMessage(settings, backend) }).optional();

/** One strict variant per backend around `shape`; the Alibaba backends manage CNAME and A records only. */
function byBackend<Shape extends z.ZodRawShape>(shape: Shape) {
  const alibabaType = z.enum(["CNAME", "A"], { error: 'expected "CNAME" or "A": the Alibaba backends here manage those' });
  return z.discriminatedUnion(
    "backend",
    [
      z.strictObject({
        backend: z.literal("privatezone"),
        ...shape,
        type: alibabaType,
        alicloud: alicloudSettingsSchema().optional(),
        rfc2136: notFor("rfc2136", "privatezone"),
        google: notFor("google", "privatezone"),
      }),
      z.strictObject({
        backend: z.literal("alidns"),
        ...shape,
        type: alibabaType,
        alicloud: alicloudSettingsSchema().optional(),
        rfc2136: notFor("rfc2136", "alidns"),
        google: notFor("google", "alidns"),
      }),
      z.strictObject({
        backend: z.literal("rfc2136"),
        ...shape,
        type: recordTypeSchema(),
        rfc2136: rfc2136SettingsSchema(),
        alicloud: notFor("alicloud", "rfc2136"),
        google: notFor("google", "rfc2136"),
      }),
      z.strictObject({
        backend: z.literal("clouddns"),
        ...shape,
        type: recordTypeSchema(),
        google: cloudDnsSettingsSchema().optional(),
        alicloud: notFor("alicloud", "clouddns"),
        rfc2136: notFor("rfc2136", "clouddns"),
      }),
    ],
    { error: (issue) => (issue.code === "invalid_union" ? BACKEND_ERROR : "expected the record's fields: backend, zone, name, type, sites, active, ...") },
  );
}

/**
 * A whole failover record. With no valid backend there is no variant to check the rest
 * against, so the fields every backend has are still checked: one run names every problem.
 */
export const failoverRecordSchema = () => {
  const fields = z.looseObject({ ...placementShape(), ...switchingShape() });
  return byBackend({ ...placementShape(), ...switchingShape() }).superRefine(
    (value, context) => {
      const checked = fields.safeParse(value);
      for (const issue of checked.success ? [] : checked.error.issues)
        context.addIssue({ ...issue, input: undefined } as Parameters<typeof context.addIssue>[0]);
    },
    { when: (payload) => payload.issues.some((issue) => issue.code === "invalid_union" && issue.path?.length === 1 && issue.path[0] === "backend") },
  );
};

/** The record without its sites and switching choices: what a DR plan writes in `failover.record`. */
export const failoverRecordPlacementSchema = () => byBackend(placementShape());

export type FailoverRecordInputs = z.infer<ReturnType<typeof failoverRecordSchema>>;
export type FailoverRecordPlacement = z.infer<ReturnType<typeof failoverRecordPlacementSchema>>;
export type Rfc2136Settings = z.infer<ReturnType<typeof rfc2136SettingsSchema>>;
export type CloudDnsSettings = z.infer<ReturnType<typeof cloudDnsSettingsSchema>>;

/** Rules across fields, beyond what the schema's shape says. */
export function checkRecordRules(inputs: FailoverRecordInputs): void {
  const issues: ConfigIssue[] = [];
  const ttl = inputs.ttl === undefined ? undefined : ttlProblem(inputs.backend, inputs.ttl);
  if (ttl) issues.push({ path: ["ttl"], message: ttl });
  if (inputs.backend === "clouddns") issues.push(...cloudDnsProblems(inputs.zone, inputs.google));
  if (inputs.backend === "rfc2136") issues.push(...rfc2136Problems(inputs.zone, inputs.rfc2136));
  for (const site of ["primary", "secondary"] as const) {
    const problem = recordValueProblem(inputs.type, inputs.sites[site].value);
    if (problem) issues.push({ path: ["sites", site, "value"], message: problem });
  }
  const same = sameSitesProblem(inputs.sites.primary.value, inputs.sites.secondary.value, inputs.type);
  if (same) issues.push({ path: ["sites", "secondary", "value"], message: same });
  const clientIssues = failoverClientProblems(inputs.sites, readinessJob(inputs)?.images);
  issues.push(...clientIssues);
  // A rule already refused for moving what clients ask for is not named twice.
  const named = new Set(clientIssues.map((issue) => issue.path.join("\u0000")));
  issues.push(...failbackMappingProblems(inputs.sites.secondary.registry, readinessJob(inputs)).filter((issue) => !named.has(issue.path.join("\u0000"))));
  issues.push(...clientSettingsProblems(inputs));
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

/** A zone's name, one way to name the servers, addresses that parse, a base64 secret (never quoted). */
function rfc2136Problems(zone: string, settings: Rfc2136Settings): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (!isZoneName(zone)) issues.push({ path: ["zone"], message: `expected the zone's name, such as dr.example.com; got "${zone}"` });
  if ((settings.server === undefined) === (settings.servers === undefined))
    issues.push({ path: ["rfc2136", "server"], message: "expected either server or servers (a list of primaries, all updated), not both and not neither" });
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
function cloudDnsProblems(zone: string, google: CloudDnsSettings | undefined): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (!isManagedZoneName(zone))
    issues.push({
      path: ["zone"],
      message: `expected the managed zone's name (as \`gcloud dns managed-zones list\` shows it: lower-case letters, digits and hyphens, such as dr-zone), not its DNS name; got "${zone}"`,
    });
  const key = google?.serviceAccountKey;
  if (key !== undefined) {
    try {
      parseServiceAccountKey(key);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      issues.push(...error.issues.map((issue) => ({ ...issue, path: ["google", "serviceAccountKey", ...issue.path] })));
    }
  }
  const endpoint = google?.endpoint;
  if (endpoint !== undefined && !isApiEndpoint(endpoint))
    issues.push({ path: ["google", "endpoint"], message: `expected an https URL such as https://dns.googleapis.com/dns/v1/; got "${endpoint.slice(0, 100)}"` });
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
export function cloudDnsProject(google: CloudDnsSettings | undefined): string | undefined {
  const settings = googleSettings(google);
  if (settings.project) return settings.project;
  try {
    return settings.serviceAccountKey ? parseServiceAccountKey(settings.serviceAccountKey).projectId : undefined;
  } catch {
    return undefined;
  }
}

export const MISSING_GOOGLE_PROJECT = `no Google Cloud project: give \`google.project\`, or set ${GCP_CONFIG_KEYS.project} in stack config`;

/** The primaries an rfc2136 record lives on. */
export function rfc2136Servers(settings: Rfc2136Settings): string[] {
  return settings.servers ?? (settings.server ? [settings.server] : []);
}

/** The readiness images as a sync job: what a site must hold before the record points at it. */
export function readinessJob(inputs: Pick<FailoverRecordInputs, "readiness">): SyncJob | undefined {
  return inputs.readiness && { images: inputs.readiness.images as ImagesMap, auth: inputs.readiness.auth as AuthMap | undefined };
}

/**
 * The platform filter the readiness images are copied with (ImageSync's os/arch, the command's
 * --os/--arch): a filtered copy holds the kept platforms' index, not the primary's digest, so
 * both preflights compare what that copy makes of the primary's image.
 */
export function readinessPlatforms(inputs: Pick<FailoverRecordInputs, "readiness">): PlatformFilter | undefined {
  const { os = [], arch = [] } = inputs.readiness ?? {};
  return os.length + arch.length > 0 ? { os, arch } : undefined;
}
