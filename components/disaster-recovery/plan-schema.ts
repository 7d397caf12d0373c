import { z } from "zod";
import { artifactRegistryLocationSchema, projectIdSchema, repositoryIdSchema, serviceAccountIdSchema } from "../../provider/clients/google/google-ids";
import { GCR_HOSTS } from "../../provider/clients/registry-hosts";
import { ConfigError, ConfigIssue, absent, chosenIssues, formatPath, keyedUnion } from "../../provider/validation";
import { acrInstanceIdSchema, acrInstanceNameSchema, acrNamespaceSchema, ipv4CidrSchema, ramUserNameSchema, regionIdSchema } from "../../provider/validation";
import { harborConnectionSchema } from "../../provider/resources/harbor/harbor-connection-input";
import { checkRecordRules, clientsSettingSchema, failoverRecordPlacementSchema, type FailoverRecordInputs } from "../../provider/failover";
import { runSettingFields } from "../../provider/sync/run-settings";
import { MIN_SECRET_LENGTH } from "../../provider/watch/shared-secret-rule";
import { planProblems, type PlanIssue } from "./plan-problems";
import { PRIMARY_HINT, PRIMARY_KINDS, REPLICATION_HINT, REPLICATION_PATHS, SITE_HINT, SITE_KINDS } from "./plan-choices";

/**
 * A DR plan as stack config: one `registry-dr:plan` object in `Pulumi.<stack>.yaml`, the
 * arguments of RegistryDisasterRecovery in plain values. Checked with the schemas the
 * resources and components use; every problem is named by its path
 * (`registry-dr:plan.sites.hangzhou.acrEnterprise.region: expected a region id, such as cn-hangzhou`).
 * Pulumi-free, so `registry-dr plan check` validates a stack file offline with the same messages.
 */

const text = (what: string) => z.string({ error: `expected ${what}` }).min(1, { error: `expected ${what}` });
const flag = () => z.boolean({ error: "expected true or false" });
const whole = (what: string) => z.number({ error: `expected ${what}` }).int({ error: `expected ${what}` });
const flatten = () =>
  whole("a flattening level: -1 (all), 0 (none), 1, 2 or 3")
    .min(-1, { error: "expected a flattening level: -1 (all), 0 (none), 1, 2 or 3" })
    .max(3, { error: "expected a flattening level: -1 (all), 0 (none), 1, 2 or 3 (Harbor flattens at most 3 levels)" });

const acrEnterpriseSchema = () =>
  z.strictObject({
    instanceId: acrInstanceIdSchema(),
    region: regionIdSchema(),
    instanceName: acrInstanceNameSchema().optional(),
    namespace: acrNamespaceSchema(),
    ramUserName: ramUserNameSchema().optional(),
    internetWhitelist: z.array(ipv4CidrSchema(), { error: 'expected a list of CIDR blocks, such as ["203.0.113.0/24"]' }).optional(),
    createAccessKey: flag().optional(),
    retainNamespaceOnDelete: flag().optional(),
    // The site's own account (a `secure:` value in the stack file): the site gets a provider of its own in its region.
    alicloud: z
      .strictObject({ accessKey: text("an AccessKey id"), secretKey: text("the AccessKey secret"), securityToken: text("an STS security token").optional() })
      .optional(),
  });

const artifactRegistrySchema = () =>
  z
    .strictObject({
      repositoryId: repositoryIdSchema().optional(),
      location: artifactRegistryLocationSchema().optional(),
      gcrHost: z.enum(GCR_HOSTS, { error: `expected one of ${GCR_HOSTS.join(", ")}` }).optional(),
      project: projectIdSchema().optional(),
      description: z.string({ error: "expected text" }).optional(),
      immutableTags: flag().optional(),
      retainOnDelete: flag().optional(),
      serviceAccountId: serviceAccountIdSchema().optional(),
      createKey: flag().optional(),
    })
    .refine(
      (args) =>
        args.gcrHost === undefined
          ? args.repositoryId !== undefined && args.location !== undefined
          : args.repositoryId === undefined && args.location === undefined,
      {
        error: "expected repositoryId and location, or gcrHost alone (a gcr.io repository's id is its host)",
      },
    );

const plainRegistrySchema = () =>
  z.strictObject({
    url: text("the registry's URL, such as https://registry.example.com"),
    namespace: text("the namespace copies go under, such as dr"),
    username: text("a user name").optional(),
    password: text("the password").optional(),
    insecure: flag().optional(),
    caFile: text("the path of a PEM file with the registry's CA certificate(s)").optional(),
    ca: text("the registry's CA certificate(s) as PEM text").optional(),
  });

/** The run settings a `direct` copy takes (its ImageSync's), with their bounds from the one run-settings schema. */
export const DIRECT_RUN_SETTINGS = ["proc", "retries", "timeoutSeconds"] as const;

const harborReplicationSchema = () =>
  z.strictObject({
    flatten: flatten().optional(),
    trigger: z
      .strictObject({
        type: z.enum(["manual", "scheduled", "event_based"], { error: 'expected "manual", "scheduled" or "event_based"' }),
        cron: z.string({ error: "expected a 6-field cron expression" }).optional(),
      })
      .optional(),
    replicateDeletion: flag().optional(),
    override: flag().optional(),
    speedKbps: whole("KB/s, or -1 for unlimited").min(-1, { error: "expected KB/s, or -1 for unlimited" }).optional(),
    runTriggers: z.record(z.string(), z.unknown(), { error: "expected a map of values whose change starts a new run" }).optional(),
    runTimeoutSeconds: whole("a number of seconds").min(1, { error: "expected at least 1 second" }).optional(),
  });

const directReplicationSchema = () =>
  z.strictObject({
    flatten: flatten().optional(),
    ...runSettingFields(DIRECT_RUN_SETTINGS),
  });

const replicationSchema = () =>
  keyedUnion(
    REPLICATION_PATHS,
    [z.strictObject({ harbor: harborReplicationSchema(), direct: absent() }), z.strictObject({ direct: directReplicationSchema(), harbor: absent() })],
    REPLICATION_HINT,
  );

const siteSchema = () =>
  keyedUnion(
    SITE_KINDS,
    [
      z.strictObject({ acrEnterprise: acrEnterpriseSchema(), artifactRegistry: absent(), registry: absent(), replication: replicationSchema() }),
      z.strictObject({ artifactRegistry: artifactRegistrySchema(), acrEnterprise: absent(), registry: absent(), replication: replicationSchema() }),
      z.strictObject({ registry: plainRegistrySchema(), acrEnterprise: absent(), artifactRegistry: absent(), replication: replicationSchema() }),
    ],
    SITE_HINT,
  );

const primarySchema = () =>
  keyedUnion(
    PRIMARY_KINDS,
    [
      z.strictObject({
        harbor: harborConnectionSchema(),
        registry: absent(),
        auth: absent("expected no auth with harbor: Harbor's own user reads the primary"),
      }),
      z.strictObject({
        registry: text('a registry "host[:port]" or URL, such as harbor.example.com'),
        auth: z
          .strictObject({
            username: text("a user name"),
            password: text("the password"),
            insecure: flag().optional(),
            caFile: text("the path of a PEM file with the registry's CA certificate(s)").optional(),
            ca: text("the registry's CA certificate(s) as PEM text").optional(),
          })
          .optional(),
        harbor: absent(),
      }),
    ],
    PRIMARY_HINT,
  );

const failoverSchema = () =>
  z.strictObject({
    standby: text("the site the record fails over to").optional(),
    record: failoverRecordPlacementSchema(),
    values: z.record(z.string(), text("the record's value: a host name (CNAME) or an address (A, AAAA)"), {
      error: "expected {primary: <value>, <standby site>: <value>}",
    }),
    active: text('"primary" or the standby site\'s name'),
    clients: clientsSettingSchema().optional(),
    force: flag().optional(),
    reverse: flag().optional(),
  });

const watchSchema = () =>
  z.strictObject({
    image: text("the registry-dr container image, such as registry.example.com/tools/registry-dr:0.1.0"),
    namespace: text("a Kubernetes namespace").optional(),
    sharedSecret: z
      .string({ error: `expected the watcher's shared secret, at least ${MIN_SECRET_LENGTH} characters (set it with --secret)` })
      .min(MIN_SECRET_LENGTH, { error: `expected the watcher's shared secret, at least ${MIN_SECRET_LENGTH} characters (set it with --secret)` }),
    resyncIntervalSeconds: whole("seconds between full resyncs, 10 or more").min(10, { error: "expected seconds between full resyncs, 10 or more" }).optional(),
    followDeletions: flag().optional(),
  });

/** A function, not a constant: each call gets a fresh schema. */
export const drPlanSchema = () =>
  z.strictObject({
    primary: primarySchema(),
    protect: z.strictObject({
      repositories: z.array(z.string({ error: "expected a repository such as library/nginx" }), {
        error: "expected a list of repositories, such as [library/nginx]",
      }),
      tags: z.string({ error: "expected a tag filter such as v*" }).optional(),
      tagDecoration: z.enum(["matches", "excludes"], { error: 'expected "matches" or "excludes"' }).optional(),
    }),
    sites: z.record(z.string(), siteSchema(), { error: "expected a map of site name to {acrEnterprise | artifactRegistry | registry, replication}" }),
    failover: failoverSchema().optional(),
    watch: watchSchema().optional(),
  });

export type DrPlan = z.infer<ReturnType<typeof drPlanSchema>>;

/**
 * Parses a plan (the config value, already decoded from YAML or JSON), reporting every problem
 * named `<key>.<path>`. `secretPaths` are values held encrypted (`secure:` in a stack file):
 * their content cannot be checked offline, so problems there are left out.
 */
export function parseDrPlan(value: unknown, key: string, secretPaths: string[][] = []): DrPlan {
  const parsed = drPlanSchema().safeParse(value);
  const issues: PlanIssue[] = parsed.success
    ? rulesOf(parsed.data)
    : chosenIssues(parsed.error.issues).map((issue) => ({ path: issue.path as (string | number)[], message: issue.message }));
  const isSecret = (path: (string | number)[]) =>
    secretPaths.some((secret) => secret.length <= path.length && secret.every((part, index) => String(path[index]) === part));
  const shown: ConfigIssue[] = issues
    .filter((issue) => !isSecret(issue.path))
    .map((issue) => ({ path: [], message: `${named(key, issue.path)}: ${issue.message}` }));
  if (shown.length > 0) throw new ConfigError(shown, "stack config");
  return (parsed.success ? parsed.data : value) as DrPlan;
}

/** `registry-dr:plan.sites.hangzhou`, `registry-dr:plan.protect.repositories[0]`. */
function named(key: string, path: (string | number)[]): string {
  const formatted = formatPath(path);
  return formatted === "" ? key : formatted.startsWith("[") ? `${key}${formatted}` : `${key}.${formatted}`;
}

/** The rules across parts, and the failover record's own rules on the record the plan makes. */
function rulesOf(plan: DrPlan): PlanIssue[] {
  const issues = planProblems(plan);
  if (issues.length > 0 || !plan.failover) return issues;
  const standby = plan.failover.standby ?? Object.keys(plan.sites)[0];
  const record: FailoverRecordInputs = {
    ...plan.failover.record,
    sites: { primary: { value: plan.failover.values.primary, registry: "primary" }, secondary: { value: plan.failover.values[standby], registry: standby } },
    active: plan.failover.active === "primary" ? "primary" : "secondary",
    ...(plan.failover.clients !== undefined ? { clients: plan.failover.clients } : {}),
  };
  try {
    checkRecordRules(record);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const issue of error.issues) {
      const path = issue.path.map(String);
      if (path[0] === "sites" && path[2] === "value")
        issues.push({ path: ["failover", "values", path[1] === "primary" ? "primary" : standby], message: issue.message });
      else if (path[0] === "clients") issues.push({ path: ["failover", ...path], message: issue.message });
      else issues.push({ path: ["failover", "record", ...issue.path.map((part) => (typeof part === "number" ? part : String(part)))], message: issue.message });
    }
  }
  return issues;
}
