import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { cronProblem, flattenedDestination, HarborClient, sampleRepository } from "../../clients/harbor";
import { projectIdSchema } from "../../clients/google";
import { defineDynamicResource } from "../define-dynamic-resource";
import { deleteUnlessGone } from "../delete-remote";
import { toStateValue } from "../state-value";
import { HarborConnectionArgs, harborConnectionSchema } from "./harbor-connection-input";
import { comparedByHarbor, harborResourceBase, readHarborObject, withResourceHarbor, withStoredHarbor } from "./harbor-resource-kit";
import { fromWirePolicy, normalizedPolicy, toWirePolicy } from "./harbor-replication-policy-wire";

/**
 * HarborReplicationPolicy: a replication rule. Every field is sent on every update (Harbor's
 * PUT replaces the whole policy) and read back on refresh, filters, speed and description
 * included, so a change made in Harbor's UI shows up as drift. Values Harbor stores
 * differently from how they were sent (speed -1 as 0, a cron on a non-scheduled trigger)
 * are compared the way Harbor stores them, so there is no perpetual diff. A policy that
 * already exists is a conflict unless `adopt: true`: the resource then takes it over, sends
 * its whole policy, and leaves it in place when deleted (Pulumi cannot import a dynamic resource).
 */

const decoration = () => z.enum(["matches", "excludes"], { error: 'expected "matches" or "excludes"' });

export const harborReplicationPolicyInputsSchema = () =>
  z
    .strictObject({
      name: z
        .string({ error: "expected the policy's name" })
        .min(1, { error: "expected the policy's name" })
        .max(256, { error: "expected at most 256 characters" }),
      description: z.string({ error: "expected text" }).optional(),
      direction: z.enum(["push", "pull"], { error: 'expected "push" (from this Harbor to the remote registry) or "pull" (from the remote registry)' }),
      remoteRegistryId: z
        .number({ error: "expected the remote registry endpoint's id (a HarborRegistry's registryId)" })
        .int()
        .positive({ error: "expected a registry endpoint id (1 or more)" }),
      destNamespace: z
        .string({ error: "expected a destination namespace" })
        .regex(/^[a-z0-9._/-]*$/, { error: "expected a namespace of lower-case letters, digits and . _ - /" })
        .optional(),
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
      googleProject: projectIdSchema().optional(),
      adopt: z.boolean({ error: "expected true or false" }).optional(),
      harbor: harborConnectionSchema().optional(),
    })
    .superRefine((inputs, context) => {
      const issue = (path: (string | number)[], message: string) => context.addIssue({ code: "custom", path, message });
      const trigger = inputs.trigger;
      if (trigger?.type === "scheduled") {
        const problem = trigger.cron === undefined ? "expected a cron expression for a scheduled trigger, such as 0 0 2 * * *" : cronProblem(trigger.cron);
        if (problem) issue(["trigger", "cron"], problem);
      } else if (trigger?.cron !== undefined) issue(["trigger", "cron"], `expected no cron: only a scheduled trigger has one (this one is ${trigger.type})`);
      if (trigger?.type === "event_based" && inputs.direction === "pull")
        issue(
          ["trigger", "type"],
          "expected manual or scheduled: Harbor fires event-based replication only for pushes to itself, so a pull policy can never be event-based",
        );
      if (inputs.filters?.tagDecoration && inputs.filters.tag === undefined)
        issue(["filters", "tagDecoration"], "expected a tag filter for the decoration to apply to");
      if (inputs.filters?.labelDecoration && !inputs.filters.labels?.length)
        issue(["filters", "labelDecoration"], "expected labels for the decoration to apply to (Harbor decorates only tag and label filters)");
      const google = inputs.googleProject === undefined ? undefined : googleNamespaceProblem(inputs.googleProject, inputs);
      if (google) issue(["destNamespace"], google);
    });

/**
 * Harbor's google-gcr adapter pushes `<namespace>/<repository>` to the remote host, and
 * Artifact Registry takes only `<project>/<repository id>/...` (a gcr.io repository:
 * `<project>/...`): a namespace that does not start with the project is refused by Google, or
 * lands in another project the key may also reach. Says where a sample repository would land.
 */
function googleNamespaceProblem(project: string, inputs: { destNamespace?: string; flatten?: number; filters?: { name?: string } }): string | undefined {
  const namespace = inputs.destNamespace ?? "";
  if (namespace === project || namespace.startsWith(`${project}/`)) return undefined;
  const sample = sampleRepository(inputs.filters?.name);
  let lands: string;
  try {
    lands = flattenedDestination(sample, namespace, inputs.flatten ?? 1);
  } catch (error) {
    lands = `nowhere (${(error as Error).message})`;
  }
  return (
    `expected a namespace starting with the Google Cloud project ${project}, such as ${project}/<repository id> for Artifact Registry (${project} alone for a gcr.io repository): ` +
    `Harbor's google-gcr adapter pushes <namespace>/<repository>, and with "${namespace}" ${sample} would go to ${lands}, outside the project`
  );
}

export type HarborReplicationPolicyInputs = z.infer<ReturnType<typeof harborReplicationPolicyInputsSchema>>;

export interface HarborReplicationPolicyOutputs extends HarborReplicationPolicyInputs {
  schemaVersion: 1;
  policyId: number;
  /** What flattening does to a repository the name filter matches. */
  flattenExample: { source: string; destination: string };
  /** Whether the policy existed before and was adopted (then delete leaves it). */
  adopted: boolean;
}

export const harborReplicationPolicyDefinition = defineDynamicResource<HarborReplicationPolicyArgs, HarborReplicationPolicyOutputs>()({
  ...harborResourceBase,
  type: "HarborReplicationPolicy",
  schema: harborReplicationPolicyInputsSchema,
  outputs: ["schemaVersion", "policyId", "flattenExample", "adopted"],
  secretInputs: ["harbor"],
  secretOutputs: ["harbor"],
  replaceOn: ["direction"],
  normalize: comparedByHarbor(normalizedPolicy),

  async create(news) {
    return withResourceHarbor(news, async (harbor) => {
      const existing = await harbor.policies.findByName(news.name);
      if (existing && !news.adopt)
        throw new Error(
          `a replication policy named "${news.name}" already exists on ${harbor.host} (id ${existing.id}): set adopt: true to manage it (it is then left in place on delete), or choose another name`,
        );
      if (existing) {
        const existingId = existing.id;
        if (existingId === undefined) throw new Error(`Harbor listed replication policy "${news.name}" without an id: cannot adopt it`);
        await harbor.policies.replace(existingId, { ...toWirePolicy(news), id: existingId });
        return { id: String(existingId), outs: describe(news, existingId, true) };
      }
      const id = await harbor.policies.create(toWirePolicy(news));
      return { id: String(id), outs: describe(news, id, false) };
    });
  },

  async update(id, olds, news) {
    return withResourceHarbor(news, async (harbor) => {
      await harbor.policies.replace(Number(id), { ...toWirePolicy(news), id: Number(id) });
      return describe(news, Number(id), olds.adopted ?? false);
    });
  },

  async read(id, props) {
    return readHarborObject(
      props,
      (harbor) => harbor.policies.get(Number(id)),
      async (policy, _harbor) => {
        // googleProject is a check-time input only: Harbor does not store it.
        const inputs = toStateValue({
          ...fromWirePolicy(policy, props),
          ...(props.googleProject ? { googleProject: props.googleProject } : {}),
          ...(props.adopt !== undefined ? { adopt: props.adopt } : {}),
          ...(props.harbor ? { harbor: props.harbor } : {}),
        }) as HarborReplicationPolicyInputs;
        return { id, props: describe(inputs, Number(id), props.adopted ?? false), inputs };
      },
    );
  },

  async delete(id, props) {
    if (props.adopted) {
      console.log(`leaving replication policy "${props.name}" (id ${id}) in place: it was adopted, not created, by this resource`);
      return;
    }
    await withStoredHarbor(props, (harbor) =>
      deleteUnlessGone(
        () => harbor.policies.delete(Number(id)),
        async (said) => `${await whatHolds(harbor, Number(id), props.name)} (Harbor: ${said})`,
      ),
    );
  },
});

/** The provider the engine loads by this name (see packaged-provider.ts); state names it. */
export const harborReplicationPolicyProvider = harborReplicationPolicyDefinition.provider;

async function whatHolds(harbor: HarborClient, policyId: number, name: string): Promise<string> {
  const running = await harbor.executions.list(policyId, "InProgress").catch(() => []);
  if (running.length === 0) return `replication policy "${name}" cannot be deleted now`;
  return `replication policy "${name}" cannot be deleted while execution ${running.map((execution) => execution.id).join(", ")} runs: wait for it, or stop it in Harbor (Replications > Executions > Stop), then retry`;
}

function describe(inputs: HarborReplicationPolicyInputs, policyId: number, adopted: boolean): HarborReplicationPolicyOutputs {
  const source = sampleRepository(inputs.filters?.name);
  let destination: string;
  try {
    destination = flattenedDestination(source, inputs.destNamespace ?? "", inputs.flatten ?? 1);
  } catch (error) {
    destination = `(fails: ${(error as Error).message})`;
  }
  return { ...inputs, schemaVersion: 1, policyId, flattenExample: { source, destination }, adopted };
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
  /**
   * For a google-gcr remote (Artifact Registry, gcr.io): the Google Cloud project the images go
   * to. `check` then requires `destNamespace` to start with it, and its error shows where a
   * sample repository would land. An input, because check sees only the policy's own inputs:
   * the endpoint's type is known only once it exists, and Harbor never returns the key that
   * names the project. ArtifactRegistryTarget's `harborDestNamespace` already starts with it.
   */
  googleProject?: pulumi.Input<string>;
  /** Manage a policy of this name that already exists instead of failing; it is then kept on delete. */
  adopt?: pulumi.Input<boolean>;
  harbor?: pulumi.Input<HarborConnectionArgs>;
}

/** A replication rule; see the top of this file. */
export class HarborReplicationPolicy extends harborReplicationPolicyDefinition.Resource {}
