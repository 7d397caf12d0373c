import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { AlidnsRecords, AlicloudClient, DnsRecord, DnsRecordsApi, MISSING_ALICLOUD_KEY, PrivateZoneRecords, alicloudSettings, rememberAlicloudConfig } from "../../clients/alicloud";
import { AuthMap, ImagesMap, SiteReadiness, authMapSchema, checkSiteReadiness, compileJob, imagesMapSchema } from "../../sync";
import { ConfigError, ConfigIssue } from "../../validation";
import type { AlicloudCredentialsArgs } from "../alicloud";
import { PRIVATEZONE_TTLS, isHostName, isIpv4 } from "./record-rules";
import { secretIfGiven, withSecretOutputs } from "../secret-inputs";
import { checkInputs, containsUnknown, withoutProvider } from "../check-inputs";
import { diffKeys } from "../diff-inputs";
import type { ImageSyncArgs } from "../image-sync";
import { packagedProvider } from "../packaged-provider";
import { toStateValue } from "../state-value";

/**
 * FailoverRecord: the DNS record that decides which registry serves image pulls (seed 000's
 * disaster recovery). `active` names the site; changing it flips the record in place, but
 * only after a preflight shows the site's registry answers and holds every readiness image
 * with the source's digest. The record is read back after every write, refresh reports a
 * record changed outside Pulumi, and delete removes only a record this resource created.
 */

/** A function, not a constant: see config-schema.ts on zod instances and serialization. */
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
    name: text('the record\'s RR, such as "@" or "harbor"').regex(/^(@|\*|(\*\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*)$/i, { error: 'expected the record\'s RR within the zone: "@" for the apex, or labels such as "harbor" or "registry.dr"' }),
    type: z.enum(["CNAME", "A"], { error: 'expected "CNAME" or "A"' }),
    ttl: z.number({ error: "expected a whole number of seconds" }).int({ error: "expected a whole number of seconds" }).optional(),
    sites: z.strictObject({ primary: site, secondary: site }, { error: "expected {primary: {...}, secondary: {...}}" }),
    active: z.enum(["primary", "secondary"], { error: 'expected "primary" or "secondary": the key of the site in `sites` the record points at' }),
    readiness: z.strictObject({ auth: authMapSchema().optional(), images: imagesMapSchema() }, { error: "expected {auth?, images} as ImageSync takes them" }).optional(),
    force: z.boolean({ error: "expected true or false" }).optional(),
    adopt: z.boolean({ error: "expected true or false" }).optional(),
    alicloud: z
      .strictObject({ accessKey: text("an AccessKey id"), secretKey: text("the AccessKey secret"), securityToken: text("an STS token").optional(), region: text("a region id").optional() }, { error: "expected {accessKey, secretKey, securityToken?, region?}" })
      .optional(),
  });
};

export type FailoverRecordInputs = z.infer<ReturnType<typeof failoverRecordInputsSchema>>;
type SiteName = FailoverRecordInputs["active"];

export interface FailoverRecordOutputs extends FailoverRecordInputs {
  /** Bumped when this shape changes; state written by older releases stays readable. */
  schemaVersion: 1;
  recordId: string;
  activeTarget: string;
  previousTarget: string;
  switchedAt: string;
  preflight?: FailoverPreflight;
  createdByResource: boolean;
}

const DEFAULT_TTL = { privatezone: 60, alidns: 600 } as const;
/** How long a preflight may take: a /v2/ probe and HEADs of the readiness images. */
const PREFLIGHT_DEADLINE_MS = 10 * 60_000;
/** Inputs that name a different record: changing one replaces the resource. */
const REPLACE_ON = ["backend", "zone", "name", "type"] as const;

export const failoverRecordProvider: pulumi.dynamic.ResourceProvider = {
  async configure(request: pulumi.dynamic.ConfigureRequest) {
    rememberAlicloudConfig(request.config);
  },

  async check(_olds: Record<string, unknown>, news: Record<string, unknown>) {
    const result = checkInputs(failoverRecordInputsSchema(), news, checkRecordRules);
    const settings = alicloudSettings(news.alicloud as FailoverRecordInputs["alicloud"]);
    return settings.accessKey || containsUnknown(news.alicloud) ? result : { ...result, failures: [...(result.failures ?? []), { property: "alicloud", reason: MISSING_ALICLOUD_KEY }] };
  },

  async diff(_id: string, olds: FailoverRecordOutputs, news: FailoverRecordInputs) {
    const diff = diffKeys(olds, news, REPLACE_ON, Object.keys(failoverRecordInputsSchema().shape));
    // A record changed outside Pulumi (seen by refresh) differs from what `active` asks for.
    const drifted = !containsUnknown(news) && olds.activeTarget !== undefined && olds.activeTarget !== desiredValue(news);
    return { ...diff, changes: diff.changes || drifted };
  },

  async create(news: FailoverRecordInputs) {
    return withRecords(news, async (records) => {
      const adopted = pickAdopted(records, news, await records.find(news.zone, news.name));
      const outs = outputsOf(news, await applyRecord(records, news, adopted), {}, !adopted);
      return { id: outs.recordId, outs };
    });
  },

  async update(id: string, olds: FailoverRecordOutputs, news: FailoverRecordInputs) {
    return withRecords(news, async (records) => {
      // A record deleted outside Pulumi is written again, with a new id.
      const current = await records.get(news.zone, id);
      return { outs: outputsOf(news, await applyRecord(records, news, current), olds, current ? (olds.createdByResource ?? true) : true) };
    });
  },

  async read(id: string, props: FailoverRecordOutputs) {
    if (!props.zone) return { id, props };
    return withRecords(props, async (records) => {
      const current = await records.get(props.zone, id);
      if (!current) return { id: "", props: {} };
      if (current.value !== props.activeTarget) console.log(`warning ${describeRecord(props)} was changed outside Pulumi: it holds ${current.value}, state says ${props.activeTarget}`);
      const outs = { ...withoutProvider(props), ttl: current.ttl, activeTarget: current.value };
      return { id, props: toStateValue(outs) };
    });
  },

  async delete(id: string, props: FailoverRecordOutputs) {
    if (props.createdByResource === false) {
      console.log(`leaving ${describeRecord(props)} in place: it was adopted, not created, by this resource`);
      return;
    }
    await withRecords(props, async (records) => {
      if (await records.get(props.zone, id)) await records.remove(id);
    });
  },
};

/** Rules across fields, beyond what the schema's shape says. */
function checkRecordRules(inputs: FailoverRecordInputs): void {
  const issues: ConfigIssue[] = [];
  const ttl = inputs.ttl;
  if (ttl !== undefined && inputs.backend === "privatezone" && !PRIVATEZONE_TTLS.includes(ttl)) {
    issues.push({ path: ["ttl"], message: `PrivateZone takes a TTL of ${PRIVATEZONE_TTLS.join(", ")} seconds; got ${ttl}` });
  }
  if (ttl !== undefined && inputs.backend === "alidns" && (ttl < 1 || ttl > 86400)) {
    issues.push({ path: ["ttl"], message: `Alibaba Cloud DNS takes a TTL of 1-86400 seconds (the free edition: at least 600); got ${ttl}` });
  }
  for (const site of ["primary", "secondary"] as const) {
    const value = inputs.sites[site].value;
    if (inputs.type === "CNAME" && !isHostName(value)) issues.push({ path: ["sites", site, "value"], message: `a CNAME record points at a host name, such as xxx-registry.cn-hangzhou.cr.aliyuncs.com; got "${value}"` });
    if (inputs.type === "A" && !isIpv4(value)) issues.push({ path: ["sites", site, "value"], message: `an A record holds an IPv4 address, such as 192.168.0.10; got "${value}"` });
  }
  if (inputs.sites.primary.value === inputs.sites.secondary.value) issues.push({ path: ["sites", "secondary", "value"], message: "the two sites have the same value: a flip would change nothing" });
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

function desiredValue(inputs: FailoverRecordInputs): string {
  return inputs.sites[inputs.active].value;
}

function recordFields(inputs: FailoverRecordInputs) {
  return { rr: inputs.name, type: inputs.type, value: desiredValue(inputs), ttl: inputs.ttl ?? DEFAULT_TTL[inputs.backend] };
}

function sameRecord(record: DnsRecord, fields: ReturnType<typeof recordFields>): boolean {
  return record.value === fields.value && record.ttl === fields.ttl && record.type === fields.type && record.rr === fields.rr;
}

function describeRecord(inputs: Pick<FailoverRecordInputs, "backend" | "zone" | "name" | "type">): string {
  return `${inputs.type} record "${inputs.name}" in ${inputs.backend === "privatezone" ? "PrivateZone zone" : "domain"} ${inputs.zone}`;
}

/** The record to take over, or undefined to create one; throws when the RR is taken and adopting was not asked for. */
function pickAdopted(records: DnsRecordsApi, inputs: FailoverRecordInputs, existing: DnsRecord[]): DnsRecord | undefined {
  if (existing.length === 0) return undefined;
  const listed = existing.map((record) => `${record.type} ${record.value} (RecordId ${record.recordId})`).join(", ");
  const sameType = existing.filter((record) => record.type === inputs.type);
  if (!inputs.adopt) {
    throw new Error(`${records.product}: ${describeRecord(inputs)} already exists: ${listed}. Set adopt: true to manage it with this resource, or remove it first`);
  }
  if (sameType.length !== 1 || existing.length !== 1) {
    throw new Error(`${records.product}: cannot adopt ${describeRecord(inputs)}: the name holds ${existing.length} record(s) (${listed}); adopt needs exactly one ${inputs.type} record there`);
  }
  return sameType[0];
}

interface AppliedRecord {
  recordId: string;
  activeTarget: string;
  /** Whether the record's value changed (or it was written anew). */
  flipped: boolean;
  /** The value it held before, when there was a record. */
  previousValue?: string;
  preflight?: FailoverPreflight;
}

/**
 * Makes `existing` (or a new record) hold the active site's value. A change of value waits for
 * the site's preflight; a TTL-only change does not. The DNS API must then show the new value.
 */
async function applyRecord(records: DnsRecordsApi, inputs: FailoverRecordInputs, existing: DnsRecord | undefined): Promise<AppliedRecord> {
  const fields = recordFields(inputs);
  const flipped = !existing || existing.value !== fields.value;
  const preflight = flipped ? await runPreflight(inputs, inputs.active) : undefined;
  const recordId = existing ? existing.recordId : await records.add(inputs.zone, fields);
  if (existing && !sameRecord(existing, fields)) await records.update(recordId, fields);
  const written = await readBack(records, inputs, recordId);
  if (flipped && existing) console.log(`switched ${describeRecord(inputs)}: ${existing.value} -> ${written.value} (${inputs.active})`);
  return { recordId, activeTarget: written.value, flipped, previousValue: existing?.value, preflight };
}

function outputsOf(inputs: FailoverRecordInputs, applied: AppliedRecord, before: Partial<FailoverRecordOutputs>, createdByResource: boolean): FailoverRecordOutputs {
  return toStateValue({
    ...withoutProvider(inputs),
    schemaVersion: 1,
    recordId: applied.recordId,
    activeTarget: applied.activeTarget,
    previousTarget: applied.flipped ? (applied.previousValue ?? before.activeTarget ?? "") : (before.previousTarget ?? ""),
    switchedAt: applied.flipped ? new Date().toISOString() : (before.switchedAt ?? ""),
    preflight: applied.preflight ?? before.preflight,
    createdByResource,
  });
}

/** The written record, read again: a flip counts only once the DNS API shows the new value. */
async function readBack(records: DnsRecordsApi, inputs: FailoverRecordInputs, recordId: string): Promise<DnsRecord> {
  const fields = recordFields(inputs);
  const written = await records.get(inputs.zone, recordId);
  if (!written || written.value !== fields.value) {
    throw new Error(`${records.product}: ${describeRecord(inputs)} (RecordId ${recordId}) reads back ${written ? `as ${written.value}` : "as missing"} after writing ${fields.value}`);
  }
  return written;
}

function readinessJob(inputs: FailoverRecordInputs) {
  return inputs.readiness && { images: inputs.readiness.images as ImagesMap, auth: inputs.readiness.auth as AuthMap | undefined };
}

/** Checks the site; throws with the report when it is not ready and `force` is not set. */
async function runPreflight(inputs: FailoverRecordInputs, siteName: SiteName): Promise<FailoverPreflight> {
  const site = inputs.sites[siteName];
  const readiness = await checkSiteReadiness(site.registry, site.insecure, readinessJob(inputs), { signal: AbortSignal.timeout(PREFLIGHT_DEADLINE_MS) });
  const preflight = summarize(siteName, readiness, inputs.force ?? false);
  for (const problem of preflight.problems) console.log(`preflight ${problem}`);
  if (preflight.problems.length > 0 && !inputs.force) {
    throw new Error(
      `preflight of the ${siteName} site (${readiness.registry}) failed, so ${describeRecord(inputs)} was not changed:\n${preflight.problems.map((line) => `  ${line}`).join("\n")}\n` +
        "Copy the missing images (ImageSync, or `registry-dr sync`) and run again, or set force: true to switch anyway.",
    );
  }
  console.log(`preflight ${siteName} site ${readiness.registry}: ${preflight.problems.length === 0 ? "ready" : "NOT ready, forced"} (${preflight.counts.present} image(s) present)`);
  return preflight;
}

function summarize(site: SiteName, readiness: SiteReadiness, forced: boolean): FailoverPreflight {
  const counts = { present: 0, missing: 0, differs: 0, error: 0 };
  for (const row of readiness.rows) counts[row.status]++;
  const problems = [
    ...(readiness.answered ? [] : [`${readiness.registry} does not answer /v2/: ${readiness.error}`]),
    ...readiness.rows.filter((row) => row.status !== "present").map((row) => `${row.destination}: ${row.status}${row.status === "differs" ? ` (${row.destinationDigest} here, ${row.sourceDigest} at ${row.source})` : row.error ? ` (${row.error})` : ` (source ${row.source})`}`),
  ];
  return { site, registry: readiness.registry, checkedAt: new Date().toISOString(), registryAnswered: readiness.answered, counts, problems, forced: forced && problems.length > 0 };
}

async function withRecords<T>(inputs: Pick<FailoverRecordInputs, "backend" | "alicloud">, work: (records: DnsRecordsApi) => Promise<T>): Promise<T> {
  const client = AlicloudClient.fromSettings(alicloudSettings(inputs.alicloud));
  try {
    return await work(inputs.backend === "privatezone" ? new PrivateZoneRecords(client) : new AlidnsRecords(client));
  } finally {
    await client.close();
  }
}

/** One site of a failover pair: what the record says when it is active, and where to probe it. */
export interface FailoverSiteArgs {
  /** The record's value while this site is active: a host name for CNAME, an IPv4 address for A. */
  value: pulumi.Input<string>;
  /** The registry serving this site, probed before the record points at it ("host[:port]" or a URL). */
  registry: pulumi.Input<string>;
  /** Probe the registry over plain HTTP or without verifying its certificate. */
  insecure?: pulumi.Input<boolean>;
}

export interface FailoverRecordArgs {
  /** `privatezone` (Alibaba PrivateZone, seed 000 solution 1) or `alidns` (public Alibaba DNS, solution 2). */
  backend: pulumi.Input<"privatezone" | "alidns">;
  /** The PrivateZone zone id, or the public domain name for alidns. */
  zone: pulumi.Input<string>;
  /** The record's RR within the zone: "@" for the apex, or a label such as "harbor". */
  name: pulumi.Input<string>;
  type: pulumi.Input<"CNAME" | "A">;
  /** Seconds; PrivateZone takes 5, 30, 60, 3600, 43200 or 86400 (default 60), alidns 600-86400 (default 600). */
  ttl?: pulumi.Input<number>;
  sites: pulumi.Input<{ primary: pulumi.Input<FailoverSiteArgs>; secondary: pulumi.Input<FailoverSiteArgs> }>;
  /** The site the record points at. Changing it flips the record after a preflight of that site. */
  active: pulumi.Input<"primary" | "secondary">;
  /** Images the site switched to must hold, with the source's digest: ImageSync's `auth` and `images`. */
  readiness?: pulumi.Input<{ auth?: ImageSyncArgs["auth"]; images: ImageSyncArgs["images"] }>;
  /** Flip even when the preflight fails (the report is still printed and kept in `preflight`). */
  force?: pulumi.Input<boolean>;
  /** Take over a record that already exists with this RR and type, instead of failing. Adopted records are left in place on delete. */
  adopt?: pulumi.Input<boolean>;
  /** Alibaba Cloud credentials for the DNS API; default: the `alicloud:*` stack config, then ALICLOUD_* variables. Stored as a secret. */
  alicloud?: pulumi.Input<AlicloudCredentialsArgs>;
}

/** What the last preflight found at the site the record was switched to. */
export interface FailoverPreflight {
  site: "primary" | "secondary";
  registry: string;
  checkedAt: string;
  /** Whether the registry answered `/v2/` with the given credentials. */
  registryAnswered: boolean;
  counts: { present: number; missing: number; differs: number; error: number };
  /** One line per problem: an unreachable registry, or an image missing or different there. */
  problems: string[];
  forced: boolean;
}

export class FailoverRecord extends pulumi.dynamic.Resource {
  declare readonly recordId: pulumi.Output<string>;
  /** The value the record holds now. */
  declare readonly activeTarget: pulumi.Output<string>;
  /** The value it held before the last flip (empty when it never flipped). */
  declare readonly previousTarget: pulumi.Output<string>;
  /** When the record last changed value (ISO 8601). */
  declare readonly switchedAt: pulumi.Output<string>;
  declare readonly preflight: pulumi.Output<FailoverPreflight>;
  /** False for an adopted record: delete leaves it in place. */
  declare readonly createdByResource: pulumi.Output<boolean>;

  constructor(name: string, args: FailoverRecordArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      packagedProvider("dist/provider/resources/dns/failover-record.js", "failoverRecordProvider"),
      name,
      {
        ...args,
        readiness: secretIfGiven(args.readiness),
        alicloud: secretIfGiven(args.alicloud),
        recordId: undefined,
        activeTarget: undefined,
        previousTarget: undefined,
        switchedAt: undefined,
        preflight: undefined,
        createdByResource: undefined,
      },
      withSecretOutputs(opts, "readiness", "alicloud"),
      "dns",
      "FailoverRecord",
    );
  }
}
