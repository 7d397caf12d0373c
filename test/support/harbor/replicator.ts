import { harborPattern, passesHarborFilter } from "../../../provider/clients/harbor/replication-rules";
import { skopeoCopy } from "../skopeo";
import { Endpoint, listRepositories, listTags, tagExists } from "./registry-reads";
import { StoredExecution, StoredFilter, StoredPolicy, StoredTask } from "./stand-in-state";
import { now } from "./stand-in-http";

/**
 * What an execution really does: picks the source's repositories and tags with the policy's
 * filters (Harbor's doublestar globs), maps each repository to its destination with the
 * flattening rule, and copies the tags with skopeo, an implementation independent of ours.
 * One task per repository, as Harbor 2 makes them. Deliberately not modelled: labels (the
 * stand-in's artifacts carry none), speed limits and chunked copies.
 */

export interface ReplicationPlanItem {
  sourceRepository: string;
  tags: string[];
  destination: { repository: string } | { error: string };
}

export async function planReplication(policy: StoredPolicy, source: Endpoint): Promise<ReplicationPlanItem[]> {
  const filter = (type: string) => policy.filters.find((candidate) => candidate.type === type);
  const repositories = (await listRepositories(source)).filter((repository) => matchesFilter(filter("name"), repository) && labelsAllow(filter("label")));
  const items: ReplicationPlanItem[] = [];
  for (const repository of repositories.sort()) {
    const tags = (await listTags(source, repository)).filter((tag) => matchesFilter(filter("tag"), tag)).sort();
    if (tags.length === 0) continue;
    items.push({
      sourceRepository: repository,
      tags,
      destination: destinationRepository(repository, policy.dest_namespace, policy.dest_namespace_replace_count),
    });
  }
  return items;
}

/** Harbor's replaceNamespace: flatten `count` leading components (-1: all) under `namespace`. */
export function destinationRepository(repository: string, namespace: string, count: number): { repository: string } | { error: string } {
  if (!namespace) return { repository };
  const components = repository.split("/");
  if (count < 0) return { repository: `${namespace}/${components[components.length - 1]}` };
  if (count >= components.length)
    return {
      error: `the source repository "${repository}" contains only ${components.length} path components, but the destination namespace flattening level is ${count}`,
    };
  return { repository: `${namespace}/${components.slice(count).join("/")}` };
}

export interface RunContext {
  source: Endpoint;
  destination: Endpoint;
  addTask(task: Omit<StoredTask, "id">): StoredTask;
}

export async function runExecution(execution: StoredExecution, policy: StoredPolicy, context: RunContext): Promise<void> {
  let items: ReplicationPlanItem[];
  try {
    items = await planReplication(policy, context.source);
  } catch (error) {
    finish(execution, "Failed", `failed to list the source's artifacts: ${(error as Error).message}`);
    return;
  }
  const tasks = items.map((item) =>
    context.addTask({
      execution_id: execution.id,
      status: "Pending",
      job_id: `job-${execution.id}-${item.sourceRepository}`,
      operation: "copy",
      resource_type: "image",
      src_resource: `${item.sourceRepository}:[${item.tags.join(",")}]`,
      dst_resource: "repository" in item.destination ? `${item.destination.repository}:[${item.tags.join(",")}]` : "",
      start_time: now(),
      log: "",
    }),
  );
  for (const [index, item] of items.entries()) {
    const task = tasks[index];
    if (execution.stopRequested) {
      task.status = "Stopped";
      continue;
    }
    task.status = "Running";
    try {
      if ("error" in item.destination) throw new Error(item.destination.error);
      for (const tag of item.tags) await copyTag(item.sourceRepository, item.destination.repository, tag, policy.override, context);
      task.status = "Success";
    } catch (error) {
      task.status = "Error";
      task.log = (error as Error).message;
    }
    task.end_time = now();
  }
  const failed = tasks.filter((task) => task.status === "Error").length;
  if (execution.stopRequested) finish(execution, "Stopped", "the execution was stopped");
  else finish(execution, failed > 0 ? "Failed" : "Succeed", failed > 0 ? `${failed} of ${tasks.length} tasks failed` : "");
}

async function copyTag(sourceRepository: string, destinationRepository: string, tag: string, override: boolean, context: RunContext): Promise<void> {
  if (!override && (await tagExists(context.destination, destinationRepository, tag))) return;
  const ref = (endpoint: Endpoint, repository: string) => `docker://${new URL(endpoint.url).host}/${repository}:${tag}`;
  await skopeoCopy(ref(context.source, sourceRepository), ref(context.destination, destinationRepository), {
    all: true,
    preserveDigests: true,
    srcCreds: context.source.creds,
    destCreds: context.destination.creds,
  });
}

function finish(execution: StoredExecution, status: StoredExecution["status"], text: string): void {
  execution.status = status;
  execution.status_text = text;
  execution.end_time = now();
}

function matchesFilter(filter: StoredFilter | undefined, value: string): boolean {
  if (!filter || filter.value === "" || filter.value === undefined) return true;
  return passesHarborFilter(value, String(filter.value), filter.decoration === "excludes" ? "excludes" : "matches");
}

/** The stand-in's artifacts carry no labels: a label filter that requires some matches nothing. */
function labelsAllow(filter: StoredFilter | undefined): boolean {
  if (!filter || (filter.value as string[]).length === 0) return true;
  return filter.decoration === "excludes";
}

/** Harbor's filter globs, as the policy resource and `registry-dr sync` read them. */
export const globToRegExp = harborPattern;
