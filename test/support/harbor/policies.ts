import { StandInState, StoredFilter, StoredPolicy, StoredRegistry } from "./stand-in-state";
import { badRequest, created, Handler, HarborFault, notFound, now, ok, paged, queryFilter } from "./stand-in-http";

/**
 * Replication policies, with Harbor's validation (its `Policy.Validate`) and quirks: create
 * and update read only the deprecated `deletion` field, PUT replaces the whole policy (a
 * field left out resets), speed below 0 is stored as 0, a missing flattening count is -1,
 * and the local side reads back as registry 0 "Local".
 */

const LOCAL = {
  id: 0,
  name: "Local",
  type: "harbor",
  url: "http://core:8080",
  insecure: true,
  status: "healthy",
  credential: { type: "secret", access_key: "", access_secret: "*****" },
};

export function policyHandlers(state: StandInState, basePath: string): Record<string, Handler> {
  const lookup = (id: string): StoredPolicy => state.policies.get(Number(id)) ?? notFound(`policy ${id}`);

  const registryView = (id: number) => {
    if (id === 0) return LOCAL;
    const registry = state.registries.get(id) as StoredRegistry;
    return { ...registry, credential: { ...registry.credential, access_secret: "*****" } };
  };

  const view = (policy: StoredPolicy) => {
    const { srcRegistryId, destRegistryId, ...fields } = policy;
    return { ...fields, deletion: policy.replicate_deletion, src_registry: registryView(srcRegistryId), dest_registry: registryView(destRegistryId) };
  };

  const fromBody = (body: any, id: number, creationTime: string): StoredPolicy => {
    const srcRegistryId = body.src_registry?.id ?? 0;
    const destRegistryId = body.dest_registry?.id ?? 0;
    if (!body.name) badRequest(`the policy name is required`);
    if (srcRegistryId === 0 && destRegistryId === 0) badRequest(`either the source registry or the destination registry must be a remote registry`);
    if (srcRegistryId !== 0 && destRegistryId !== 0) badRequest(`one of the source and destination registries must be the local Harbor`);
    for (const registryId of [srcRegistryId, destRegistryId])
      if (registryId !== 0 && !state.registries.has(registryId)) badRequest(`registry ${registryId} not found`);
    validateFilters(body.filters ?? []);
    validateTrigger(body.trigger);
    if ([...state.policies.values()].some((policy) => policy.name === body.name && policy.id !== id))
      throw new HarborFault(409, `policy ${body.name} already exists`);
    return {
      id,
      name: body.name,
      description: body.description ?? "",
      srcRegistryId,
      destRegistryId,
      dest_namespace: body.dest_namespace ?? "",
      dest_namespace_replace_count: body.dest_namespace_replace_count ?? -1,
      trigger: body.trigger ?? { type: "manual" },
      filters: body.filters ?? [],
      replicate_deletion: body.deletion ?? false,
      override: body.override ?? false,
      enabled: body.enabled ?? false,
      speed: Math.max(body.speed ?? 0, 0),
      copy_by_chunk: body.copy_by_chunk ?? false,
      creation_time: creationTime,
      update_time: now(),
    };
  };

  return {
    listReplicationPolicies({ query }) {
      const matches = queryFilter(query, "name", true);
      return paged([...state.policies.values()].filter((policy) => !matches || matches(policy.name)).map(view), query, `${basePath}/replication/policies`);
    },

    createReplicationPolicy({ body }) {
      const policy = fromBody(body, state.nextId("policy"), now());
      state.policies.set(policy.id, policy);
      return created(basePath, "replication/policies", policy.id);
    },

    getReplicationPolicy({ pathParams }) {
      return ok(view(lookup(pathParams.id)));
    },

    updateReplicationPolicy({ pathParams, body }) {
      const current = lookup(pathParams.id);
      state.policies.set(current.id, fromBody(body, current.id, current.creation_time));
      return ok();
    },

    deleteReplicationPolicy({ pathParams }) {
      const policy = lookup(pathParams.id);
      if ([...state.executions.values()].some((execution) => execution.policy_id === policy.id && execution.status === "InProgress")) {
        throw new HarborFault(412, `the policy ${policy.id} has running executions, can not be deleted`);
      }
      state.policies.delete(policy.id);
      return ok();
    },
  };
}

function validateFilters(filters: StoredFilter[]): void {
  for (const filter of filters) {
    switch (filter.type) {
      case "name":
      case "tag":
      case "resource":
        if (typeof filter.value !== "string") badRequest(`the type of filter value isn't string`);
        if (filter.type === "resource" && !["image", "artifact", "chart"].includes(filter.value)) badRequest(`invalid resource filter: ${filter.value}`);
        if (filter.type !== "tag" && filter.decoration) badRequest(`only tag and label filter support decoration`);
        break;
      case "label":
        if (!Array.isArray(filter.value)) badRequest(`the type of label filter value isn't string slice`);
        break;
      default:
        badRequest(`invalid filter type`);
    }
    if (filter.decoration && !["matches", "excludes"].includes(filter.decoration)) badRequest(`invalid decoration ${filter.decoration}`);
  }
}

function validateTrigger(trigger: { type?: string; trigger_settings?: { cron?: string } } | undefined): void {
  if (!trigger) return;
  switch (trigger.type) {
    case "manual":
    case "event_based":
      return;
    case "scheduled": {
      const cron = trigger.trigger_settings?.cron ?? "";
      if (!cron) badRequest(`the cron string cannot be empty when the trigger type is scheduled`);
      const fields = cron.split(" ");
      if (fields.length !== 6 || !fields.every((field) => /^[0-9*?,/A-Za-z-]+$/.test(field))) badRequest(`invalid cron string for scheduled trigger: ${cron}`);
      if (fields[0] !== "0") badRequest(`the 1st field (indicating Seconds of time) of the cron setting must be 0`);
      if (fields[1] === "*") badRequest(`* is not allowed for the Minutes field of the cron setting`);
      return;
    }
    default:
      badRequest(`invalid trigger type`);
  }
}
