import { endpointOf } from "./registries";
import { Endpoint } from "./registry-reads";
import { runExecution } from "./replicator";
import { StandInState, StoredExecution, StoredTask } from "./stand-in-state";
import { created, Handler, HarborFault, notFound, now, ok, paged } from "./stand-in-http";

/**
 * Replication executions: started in the background (201 + Location at once), really
 * replicating through `runExecution`, with counts derived from their tasks. A disabled
 * policy cannot be started (412).
 */

export function executionHandlers(state: StandInState, basePath: string, local: Endpoint): Record<string, Handler> {
  const lookup = (id: string): StoredExecution => state.executions.get(Number(id)) ?? notFound(`execution ${id}`);
  const tasksOf = (executionId: number) => [...state.tasks.values()].filter((task) => task.execution_id === executionId);

  const view = (execution: StoredExecution) => {
    const tasks = tasksOf(execution.id);
    const count = (...statuses: StoredTask["status"][]) => tasks.filter((task) => statuses.includes(task.status)).length;
    const { stopRequested: _stop, done: _done, ...fields } = execution;
    return {
      ...fields,
      total: tasks.length,
      failed: count("Error"),
      succeed: count("Success"),
      in_progress: count("Pending", "Running"),
      stopped: count("Stopped"),
    };
  };

  const addTask = (task: Omit<StoredTask, "id">): StoredTask => {
    const stored = { ...task, id: state.nextId("task") };
    state.tasks.set(stored.id, stored);
    return stored;
  };

  return {
    startReplication({ body }) {
      const policy = state.policies.get(body.policy_id) ?? notFound(`policy ${body.policy_id}`);
      if (!policy.enabled) throw new HarborFault(412, `the policy ${policy.name} is disabled`);
      const remote = (id: number) => endpointOf(state.registries.get(id)!);
      const context = {
        source: policy.srcRegistryId === 0 ? local : remote(policy.srcRegistryId),
        destination: policy.destRegistryId === 0 ? local : remote(policy.destRegistryId),
        addTask,
      };
      const execution: StoredExecution = {
        id: state.nextId("execution"),
        policy_id: policy.id,
        status: "InProgress",
        status_text: "",
        trigger: "manual",
        start_time: now(),
        stopRequested: false,
        done: Promise.resolve(),
      };
      state.executions.set(execution.id, execution);
      // A snapshot: editing the policy during the run does not change what this run does.
      execution.done = runExecution(execution, structuredClone(policy), context);
      return created(basePath, "replication/executions", execution.id);
    },

    listReplicationExecutions({ query }) {
      const wanted = (key: string, value: unknown) => !query.get(key) || query.get(key) === String(value);
      const executions = [...state.executions.values()].filter(
        (e) => wanted("policy_id", e.policy_id) && wanted("status", e.status) && wanted("trigger", e.trigger),
      );
      return paged(executions.sort((a, b) => b.id - a.id).map(view), query, `${basePath}/replication/executions`);
    },

    getReplicationExecution({ pathParams }) {
      return ok(view(lookup(pathParams.id)));
    },

    stopReplication({ pathParams }) {
      lookup(pathParams.id).stopRequested = true;
      return ok();
    },

    listReplicationTasks({ pathParams, query }) {
      const execution = lookup(pathParams.id);
      const tasks = tasksOf(execution.id).filter(
        (task) =>
          (!query.get("status") || task.status === query.get("status")) && (!query.get("resource_type") || task.resource_type === query.get("resource_type")),
      );
      return paged(
        tasks.map(({ log: _log, ...task }) => task),
        query,
        `${basePath}/replication/executions/${execution.id}/tasks`,
      );
    },

    getReplicationLog({ pathParams }) {
      const task = state.tasks.get(Number(pathParams.task_id));
      if (!task || task.execution_id !== Number(pathParams.id)) notFound(`task ${pathParams.task_id}`);
      return { status: 200, body: task.log, headers: { "content-type": "text/plain" } };
    },
  };
}
