import * as pulumi from "@pulumi/pulumi";
import { isDeepStrictEqual } from "node:util";
import { z } from "zod";
import { cronProblem, flattenedDestination, HarborClient, isHarborStatus, ReplicationFilter, ReplicationPolicy, sampleRepository, unlessGone } from "../../clients/harbor";
import { containsUnknown, withoutProvider } from "../check-inputs";
import { packagedProvider } from "../packaged-provider";
import { toStateValue } from "../state-value";
import { HarborConnectionArgs, harborConnectionSchema, rememberHarborConfig } from "./harbor-connection-input";
import { checkHarborInputs, withResourceHarbor } from "./harbor-resource-kit";
import { secretIfGiven, withSecretOutputs } from "../secret-inputs";

/**
 * HarborReplicationPolicy: a replication rule. Every field is sent on every update (Harbor's
 * PUT replaces the whole policy) and read back on refresh, filters, speed and description
 * included, so a change made in Harbor's UI shows up as drift. Values Harbor stores
 * differently from how they were sent (speed -1 as 0, a cron on a non-scheduled trigger)
 * are compared the way Harbor stores them, so there is no perpetual diff.
 */

const decoration = () => z.enum(["matches", "excludes"], { error: 'expected "matches" or "excludes"' });

export const harborReplicationPolicyInputsSchema = () =>
  z
    .strictObject({
      name: z.string({ error: "expected the policy's name" }).min(1, { error: "expected the policy's name" }).max(256, { error: "expected at most 256 characters" }),
      description: z.string({ error: "expected text" }).optional(),
      direction: z.enum(["push", "pull"], { error: 'expected "push" (from this Harbor to the remote registry) or "pull" (from the remote registry)' }),
      remoteRegistryId: z.number({ error: "expected the remote registry endpoint's id (a HarborRegistry's registryId)" }).int().positive({ error: "expected a registry endpoint id (1 or more)" }),
      destNamespace: z.string({ error: "expected a destination namespace" }).regex(/^[a-z0-9._/-]*$/, { error: "expected a namespace of lower-case letters, digits and . _ - /" }).optional(),
      flatten: z
        .number({ error: "expected a flattening level: -1 (all), 0 (none), 1, 2 or 3" })
        .int({ error: "expected a flattening level: -1 (all), 0 (none), 1, 2 or 3" })
        .min(-1, { error: "expected a flattening level: -1 (all), 0 (none), 1, 2 or 3" })
        .max(3, { error: "expected a flattening level: -1 (all), 0 (none), 1, 2 or 3 (Harbor flattens at most 3 levels)" })
        .optional(),
      trigger: z
        .strictObject({
          type: z.enum(["manual", "scheduled", "event_based"], { error: 'expected "manual", "scheduled" or "event_based"' }),
          cron: z.string({ error: "expected a 6-field cron expression" }).optional(),
        })
        .optional(),
      filters: z
        .strictObject({
          name: z.string({ error: "expected a repository pattern such as library/**" }).optional(),
          tag: z.string({ error: "expected a tag pattern such as v*" }).optional(),
          tagDecoration: decoration().optional(),
          labels: z.array(z.string({ error: "expected a label name" }), { error: "expected a list of label names" }).optional(),
          labelDecoration: decoration().optional(),
          resource: z.enum(["image", "artifact"], { error: 'expected "image" or "artifact"' }).optional(),
        })
        .optional(),
      replicateDeletion: z.boolean({ error: "expected true or false" }).optional(),
      override: z.boolean({ error: "expected true or false" }).optional(),
      enabled: z.boolean({ error: "expected true or false" }).optional(),
      speedKbps: z.number({ error: "expected KB/s, or -1 for unlimited" }).int().min(-1, { error: "expected KB/s, or -1 for unlimited" }).optional(),
      copyByChunk: z.boolean({ error: "expected true or false" }).optional(),
      harbor: harborConnectionSchema().optional(),
    })
    .superRefine((inputs, context) => {
      const issue = (path: (string | number)[], message: string) => context.addIssue({ code: "custom", path, message });
      const trigger = inputs.trigger;
      if (trigger?.type === "scheduled") {
        const problem = trigger.cron === undefined ? "expected a cron expression for a scheduled trigger, such as 0 0 2 * * *" : cronProblem(trigger.cron);
        if (problem) issue(["trigger", "cron"], problem);
      } else if (trigger?.cron !== undefined) issue(["trigger", "cron"], `expected no cron: only a scheduled trigger has one (this one is ${trigger.type})`);
      if (trigger?.type === "event_based" && inputs.direction === "pull") issue(["trigger", "type"], "expected manual or scheduled: Harbor fires event-based replication only for pushes to itself, so a pull policy can never be event-based");
      if (inputs.filters?.tagDecoration && inputs.filters.tag === undefined) issue(["filters", "tagDecoration"], "expected a tag filter for the decoration to apply to");
      if (inputs.filters?.labelDecoration && !inputs.filters.labels?.length) issue(["filters", "labelDecoration"], "expected labels for the decoration to apply to (Harbor decorates only tag and label filters)");
    });

export type HarborReplicationPolicyInputs = z.infer<ReturnType<typeof harborReplicationPolicyInputsSchema>>;

export interface HarborReplicationPolicyOutputs extends HarborReplicationPolicyInputs {
  schemaVersion: 1;
  policyId: number;
  /** What flattening does to a repository the name filter matches. */
  flattenExample: { source: string; destination: string };
}

/** Where fields are compared as Harbor stores them. */
const COMPARED = ["name", "description", "direction", "remoteRegistryId", "destNamespace", "flatten", "trigger", "filters", "replicateDeletion", "override", "enabled", "speedKbps", "copyByChunk", "harbor"] as const;

/** The inputs with every default filled in and every value as Harbor stores it. */
function normalized(inputs: Partial<HarborReplicationPolicyInputs>) {
  const trigger = inputs.trigger ?? { type: "manual" as const };
  const filters = inputs.filters ?? {};
  return {
    name: inputs.name,
    description: inputs.description ?? "",
    direction: inputs.direction,
    remoteRegistryId: inputs.remoteRegistryId,
    destNamespace: inputs.destNamespace ?? "",
    flatten: inputs.flatten ?? 1,
    trigger: trigger.type === "scheduled" ? { type: trigger.type, cron: trigger.cron?.trim() } : { type: trigger.type },
    filters: {
      name: filters.name || undefined,
      tag: filters.tag || undefined,
      tagDecoration: filters.tag ? (filters.tagDecoration ?? "matches") : undefined,
      labels: filters.labels?.length ? [...filters.labels].sort() : undefined,
      labelDecoration: filters.labels?.length ? (filters.labelDecoration ?? "matches") : undefined,
      resource: filters.resource,
    },
    replicateDeletion: inputs.replicateDeletion ?? false,
    override: inputs.override ?? true,
    enabled: inputs.enabled ?? true,
    speedKbps: Math.max(inputs.speedKbps ?? -1, 0),
    copyByChunk: inputs.copyByChunk ?? false,
    harbor: inputs.harbor,
  };
}

export function toWirePolicy(inputs: HarborReplicationPolicyInputs): ReplicationPolicy {
  const n = normalized(inputs);
  const filters: ReplicationFilter[] = [];
  if (n.filters.name) filters.push({ type: "name", value: n.filters.name });
  if (n.filters.tag) filters.push({ type: "tag", value: n.filters.tag, decoration: n.filters.tagDecoration });
  if (n.filters.labels) filters.push({ type: "label", value: n.filters.labels, decoration: n.filters.labelDecoration });
  if (n.filters.resource) filters.push({ type: "resource", value: n.filters.resource });
  const remote = { id: inputs.remoteRegistryId };
  return {
    name: inputs.name,
    description: n.description,
    ...(inputs.direction === "push" ? { dest_registry: remote } : { src_registry: remote }),
    dest_namespace: n.destNamespace,
    dest_namespace_replace_count: n.flatten,
    trigger: { type: n.trigger.type, trigger_settings: { cron: n.trigger.cron ?? "" } },
    filters,
    // Harbor reads only the deprecated `deletion` on create and update; send both.
    deletion: n.replicateDeletion,
    replicate_deletion: n.replicateDeletion,
    override: n.override,
    enabled: n.enabled,
    speed: inputs.speedKbps ?? -1,
    copy_by_chunk: n.copyByChunk,
  };
}

/** A policy read from Harbor as inputs; `previous` keeps spellings Harbor cannot tell apart (-1 vs 0 speed). */
export function fromWirePolicy(policy: ReplicationPolicy, previous: Partial<HarborReplicationPolicyInputs>): Omit<HarborReplicationPolicyInputs, "harbor"> {
  const push = (policy.dest_registry?.id ?? 0) !== 0;
  const filter = (type: string) => policy.filters?.find((candidate) => candidate.type === type);
  const tag = filter("tag");
  const label = filter("label");
  const speed = policy.speed ?? 0;
  const filters = {
    name: filter("name")?.value as string | undefined,
    tag: tag?.value as string | undefined,
    tagDecoration: tag ? (tag.decoration ?? "matches") : undefined,
    labels: label ? (label.value as string[]) : undefined,
    labelDecoration: label ? (label.decoration ?? "matches") : undefined,
    resource: filter("resource")?.value as "image" | "artifact" | undefined,
  };
  const triggerType = (policy.trigger?.type ?? "manual") as "manual" | "scheduled" | "event_based";
  return toStateValue({
    name: policy.name,
    description: policy.description || undefined,
    direction: push ? "push" : "pull",
    remoteRegistryId: (push ? policy.dest_registry?.id : policy.src_registry?.id) ?? 0,
    destNamespace: policy.dest_namespace || undefined,
    flatten: policy.dest_namespace_replace_count ?? -1,
    trigger: triggerType === "scheduled" ? { type: triggerType, cron: policy.trigger?.trigger_settings?.cron ?? "" } : { type: triggerType },
    filters: Object.values(filters).some((value) => value !== undefined) ? filters : undefined,
    replicateDeletion: policy.replicate_deletion ?? policy.deletion ?? false,
    override: policy.override ?? false,
    enabled: policy.enabled ?? false,
    speedKbps: speed <= 0 && (previous.speedKbps ?? -1) <= 0 ? (previous.speedKbps ?? -1) : speed,
    copyByChunk: policy.copy_by_chunk ?? false,
  });
}

export const harborReplicationPolicyProvider: pulumi.dynamic.ResourceProvider = {
  async configure(request) {
    rememberHarborConfig(request.config);
  },

  async check(_olds, news) {
    return checkHarborInputs(harborReplicationPolicyInputsSchema(), news);
  },

  async diff(_id, olds: HarborReplicationPolicyOutputs, news: HarborReplicationPolicyInputs) {
    const before = normalized(olds);
    const after = normalized(news);
    const changed = COMPARED.filter((key) => !isDeepStrictEqual(before[key], after[key]));
    const replaces = changed.includes("direction") ? ["direction"] : [];
    return { changes: changed.length > 0 || containsUnknown(news), replaces, deleteBeforeReplace: replaces.length > 0 };
  },

  async create(news: HarborReplicationPolicyInputs) {
    return withResourceHarbor(news, async (harbor) => {
      const existing = await harbor.policies.findByName(news.name);
      if (existing) throw new Error(`a replication policy named "${news.name}" already exists on ${harbor.host} (id ${existing.id}): import it with \`pulumi import pulumi-nodejs:dynamic/harbor:HarborReplicationPolicy <name> ${existing.id}\`, or choose another name`);
      const id = await harbor.policies.create(toWirePolicy(news));
      return { id: String(id), outs: describe(news, id) };
    });
  },

  async update(id, _olds, news: HarborReplicationPolicyInputs) {
    return withResourceHarbor(news, async (harbor) => {
      await harbor.policies.replace(Number(id), { ...toWirePolicy(news), id: Number(id) });
      return { outs: describe(news, Number(id)) };
    });
  },

  async read(id, props: Partial<HarborReplicationPolicyOutputs>) {
    return withResourceHarbor(props, async (harbor) => {
      const policy = await unlessGone(harbor.policies.get(Number(id)));
      if (!policy) return { id: "", props: {} };
      const inputs = toStateValue({ ...fromWirePolicy(policy, props), ...(props.harbor ? { harbor: props.harbor } : {}) }) as HarborReplicationPolicyInputs;
      return { id, props: describe(inputs, Number(id)), inputs };
    });
  },

  async delete(id, props: HarborReplicationPolicyOutputs) {
    await withResourceHarbor(props, async (harbor) => {
      try {
        await harbor.policies.delete(Number(id));
      } catch (error) {
        if (isHarborStatus(error, 404)) return;
        if (isHarborStatus(error, 412)) throw new Error(`${await whatHolds(harbor, Number(id), props.name)} (Harbor: ${error.message})`);
        throw error;
      }
    });
  },
};

async function whatHolds(harbor: HarborClient, policyId: number, name: string): Promise<string> {
  const running = await harbor.executions.list(policyId, "InProgress").catch(() => []);
  if (running.length === 0) return `replication policy "${name}" cannot be deleted now`;
  return `replication policy "${name}" cannot be deleted while execution ${running.map((execution) => execution.id).join(", ")} runs: wait for it, or stop it in Harbor (Replications > Executions > Stop), then retry`;
}

function describe(inputs: HarborReplicationPolicyInputs, policyId: number): HarborReplicationPolicyOutputs {
  const source = sampleRepository(inputs.filters?.name);
  let destination: string;
  try {
    destination = flattenedDestination(source, inputs.destNamespace ?? "", inputs.flatten ?? 1);
  } catch (error) {
    destination = `(fails: ${(error as Error).message})`;
  }
  return toStateValue({ ...withoutProvider(inputs), schemaVersion: 1, policyId, flattenExample: { source, destination } });
}

export interface HarborReplicationPolicyArgs {
  name: pulumi.Input<string>;
  description?: pulumi.Input<string>;
  /** push: this Harbor to the remote registry; pull: the remote registry to this Harbor. */
  direction: pulumi.Input<"push" | "pull">;
  /** The remote endpoint: a HarborRegistry's `registryId`. */
  remoteRegistryId: pulumi.Input<number>;
  destNamespace?: pulumi.Input<string>;
  /** Leading path components dropped under destNamespace: -1 all, 0 none, 1 (default, as Harbor's UI), 2, 3. */
  flatten?: pulumi.Input<number>;
  /** Default manual; scheduled takes a 6-field cron (seconds first, which must be 0). */
  trigger?: pulumi.Input<{ type: pulumi.Input<"manual" | "scheduled" | "event_based">; cron?: pulumi.Input<string> }>;
  filters?: pulumi.Input<{
    name?: pulumi.Input<string>;
    tag?: pulumi.Input<string>;
    tagDecoration?: pulumi.Input<"matches" | "excludes">;
    labels?: pulumi.Input<pulumi.Input<string>[]>;
    labelDecoration?: pulumi.Input<"matches" | "excludes">;
    resource?: pulumi.Input<"image" | "artifact">;
  }>;
  /** Delete at the destination what is deleted at the source (event-based runs only). Default false. */
  replicateDeletion?: pulumi.Input<boolean>;
  /** Overwrite destination artifacts with the same name. Default true. */
  override?: pulumi.Input<boolean>;
  /** Default true. */
  enabled?: pulumi.Input<boolean>;
  /** Bandwidth per task in KB/s; -1 (default) or 0 for unlimited. */
  speedKbps?: pulumi.Input<number>;
  copyByChunk?: pulumi.Input<boolean>;
  harbor?: pulumi.Input<HarborConnectionArgs>;
}

export class HarborReplicationPolicy extends pulumi.dynamic.Resource {
  declare readonly policyId: pulumi.Output<number>;
  declare readonly flattenExample: pulumi.Output<{ source: string; destination: string }>;

  constructor(name: string, args: HarborReplicationPolicyArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      packagedProvider("dist/provider/resources/harbor/harbor-replication-policy.js", "harborReplicationPolicyProvider"),
      name,
      { ...args, harbor: secretIfGiven(args.harbor), schemaVersion: undefined, policyId: undefined, flattenExample: undefined },
      withSecretOutputs(opts, "harbor"),
      "harbor",
      "HarborReplicationPolicy",
    );
  }
}
