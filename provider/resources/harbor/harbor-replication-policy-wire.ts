import { ReplicationFilter, ReplicationPolicy } from "../../clients/harbor";
import { toStateValue } from "../state-value";
import type { HarborReplicationPolicyInputs } from "./harbor-replication-policy";

/**
 * A replication policy's inputs and Harbor's policy JSON, both ways. Harbor stores some
 * values differently from how they were sent; `normalizedPolicy` spells inputs the way
 * Harbor stores them, so comparing two of them shows only real changes.
 */

/** The inputs with every default filled in and every value as Harbor stores it (speed -1 as 0, no cron unless scheduled, labels sorted). */
export function normalizedPolicy(inputs: Partial<HarborReplicationPolicyInputs>) {
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
  const n = normalizedPolicy(inputs);
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
