import type * as pulumi from "@pulumi/pulumi";
import { setTimeout as sleep } from "node:timers/promises";
import { isDeepStrictEqual } from "node:util";
import { z } from "zod";
import { HarborClient, isHarborStatus, ReplicationExecution, unlessGone } from "../../clients/harbor";
import { defineDynamicResource } from "../define-dynamic-resource";
import { toStateValue } from "../state-value";
import { HarborConnectionArgs, harborConnectionSchema } from "./harbor-connection-input";
import { harborResourceBase, readHarborObject, withResourceHarbor, withStoredHarbor } from "./harbor-resource-kit";

/**
 * HarborReplicationRun: the "Replicate" button. Creating it starts an execution of the
 * policy and waits for it, printing progress; so does any change of `triggers` (or of the
 * policy). A run that fails names each failed task's source and destination and why.
 * Deleting the resource leaves Harbor's execution history alone (and stops a run still going).
 */

export const harborReplicationRunInputsSchema = () =>
  z.strictObject({
    policyId: z
      .number({ error: "expected the policy's id (a HarborReplicationPolicy's policyId)" })
      .int()
      .positive({ error: "expected a policy id (1 or more)" }),
    triggers: z.record(z.string(), z.unknown(), { error: "expected a map of values whose change starts a new run" }).optional(),
    timeoutSeconds: z.number({ error: "expected a number of seconds" }).int().min(1, { error: "expected at least 1 second" }).optional(),
    harbor: harborConnectionSchema().optional(),
  });

export type HarborReplicationRunInputs = z.infer<ReturnType<typeof harborReplicationRunInputsSchema>>;

export interface HarborReplicationRunOutputs extends HarborReplicationRunInputs {
  schemaVersion: 1;
  executionId: number;
  status: string;
  total: number;
  succeed: number;
  failed: number;
  startedAt: string;
  finishedAt: string;
}

const DEFAULT_TIMEOUT_S = 1800;
const RERUN_ON = ["policyId", "triggers"] as const;

export const harborReplicationRunDefinition = defineDynamicResource<HarborReplicationRunArgs, HarborReplicationRunOutputs>()({
  ...harborResourceBase,
  type: "HarborReplicationRun",
  schema: harborReplicationRunInputsSchema,
  outputs: ["schemaVersion", "executionId", "status", "total", "succeed", "failed", "startedAt", "finishedAt"],
  secretInputs: ["harbor"],
  secretOutputs: ["harbor"],

  async create(news) {
    const outs = await withResourceHarbor(news, (harbor) => runToCompletion(harbor, news));
    return { id: String(outs.executionId), outs };
  },

  /** Only a change of policy or triggers runs again; a new timeout or connection is just recorded. */
  async update(_id, olds, news) {
    const rerun = RERUN_ON.some((key) => !isDeepStrictEqual(olds[key] ?? null, news[key] ?? null));
    if (!rerun) return { ...olds, ...news };
    return withResourceHarbor(news, (harbor) => runToCompletion(harbor, news));
  },

  async read(id, props) {
    return readHarborObject(
      props,
      (harbor) => harbor.executions.get(latestExecution(id, props)),
      async (execution, _harbor) => {
        const inputs = toStateValue({ ...props, policyId: execution.policy_id }) as HarborReplicationRunInputs;
        return { id, props: describe(inputs, execution), inputs };
      },
    );
  },

  /** Harbor's execution history stays; a run still going is stopped. */
  async delete(id, props) {
    await withStoredHarbor(props, async (harbor) => {
      const execution = await unlessGone(harbor.executions.get(latestExecution(id, props)));
      if (execution?.status === "InProgress") await harbor.executions.stop(execution.id);
    });
  },
});

/** The provider the engine loads by this name (see packaged-provider.ts); state names it. */
export const harborReplicationRunProvider = harborReplicationRunDefinition.provider;

/** The resource's id is its first execution; a re-run (an update) records the newer one in `executionId`. */
function latestExecution(id: string, props: Partial<HarborReplicationRunOutputs>): number {
  return props.executionId ?? Number(id);
}

async function runToCompletion(harbor: HarborClient, inputs: HarborReplicationRunInputs): Promise<HarborReplicationRunOutputs> {
  let executionId: number;
  try {
    executionId = await harbor.executions.start(inputs.policyId);
  } catch (error) {
    if (isHarborStatus(error, 412))
      throw new Error(`replication policy ${inputs.policyId} cannot run: it is disabled (set enabled: true on the policy). Harbor: ${error.message}`);
    if (isHarborStatus(error, 404)) throw new Error(`replication policy ${inputs.policyId} does not exist on ${harbor.host}`);
    throw error;
  }
  const timeoutSeconds = inputs.timeoutSeconds ?? DEFAULT_TIMEOUT_S;
  const deadline = Date.now() + timeoutSeconds * 1000;
  let lastLine = "";
  for (let delay = 200; ; delay = Math.min(delay * 2, 2000)) {
    const execution = await harbor.executions.get(executionId);
    const line = `replication execution ${executionId}: ${execution.succeed} succeeded, ${execution.failed} failed, ${execution.in_progress} in progress (of ${execution.total})`;
    if (line !== lastLine) console.log((lastLine = line));
    if (execution.status !== "InProgress") {
      if (execution.status === "Succeed") return describe(inputs, execution);
      throw new Error(await describeFailure(harbor, execution));
    }
    if (Date.now() > deadline) {
      throw new Error(
        `replication execution ${executionId} of policy ${inputs.policyId} did not finish within ${timeoutSeconds} s (${line.split(": ")[1]}); it goes on in Harbor. Raise timeoutSeconds, or stop it in Harbor`,
      );
    }
    await sleep(delay);
  }
}

async function describeFailure(harbor: HarborClient, execution: ReplicationExecution): Promise<string> {
  const tasks = await harbor.executions.tasks(execution.id);
  const failed = tasks.filter((task) => task.status !== "Success" && task.status !== "Succeed");
  const lines = await Promise.all(
    failed.map(async (task) => {
      const log = (await harbor.executions.taskLog(execution.id, task.id).catch(() => "")).trim().split("\n").pop();
      return `  ${task.src_resource} -> ${task.dst_resource || "(no destination)"}: ${task.status}${log ? `: ${log}` : ""}`;
    }),
  );
  const why = execution.status_text ? ` (${execution.status_text})` : "";
  return `replication execution ${execution.id} of policy ${execution.policy_id} ended ${execution.status}${why}: ${execution.failed} of ${execution.total} task(s) failed\n${lines.join("\n")}`;
}

function describe(inputs: HarborReplicationRunInputs, execution: ReplicationExecution): HarborReplicationRunOutputs {
  return {
    ...inputs,
    schemaVersion: 1,
    executionId: execution.id,
    status: execution.status,
    total: execution.total,
    succeed: execution.succeed,
    failed: execution.failed,
    startedAt: execution.start_time ?? "",
    finishedAt: execution.end_time ?? "",
  };
}

export interface HarborReplicationRunArgs {
  policyId: pulumi.Input<number>;
  /** Any values; when one changes, `pulumi up` starts a new run (e.g. a release tag). */
  triggers?: pulumi.Input<Record<string, pulumi.Input<unknown>>>;
  /** How long `pulumi up` waits for the run (default 1800). */
  timeoutSeconds?: pulumi.Input<number>;
  harbor?: pulumi.Input<HarborConnectionArgs>;
}

/** A run of a replication policy; see the top of this file. */
export class HarborReplicationRun extends harborReplicationRunDefinition.Resource {}
