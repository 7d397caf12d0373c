import { HarborHttp, pathSegment } from "./harbor-http";
import { ReplicationExecution, ReplicationPolicy, ReplicationTask } from "./wire-types";

export class ReplicationPoliciesApi {
  constructor(private readonly http: HarborHttp) {}

  create(policy: ReplicationPolicy): Promise<number> {
    return this.http.create("replication/policies", policy);
  }

  async get(id: number): Promise<ReplicationPolicy> {
    return this.http.get<ReplicationPolicy>(`replication/policies/${pathSegment(id)}`);
  }

  async findByName(name: string): Promise<ReplicationPolicy | undefined> {
    const found = await this.http.list<ReplicationPolicy>("replication/policies", { name });
    return found.find((policy) => policy.name === name);
  }

  /** PUT replaces the whole policy: a field left out is reset, so always send all of it. */
  async replace(id: number, policy: ReplicationPolicy): Promise<void> {
    await this.http.request("PUT", `replication/policies/${pathSegment(id)}`, { body: policy });
  }

  async delete(id: number): Promise<void> {
    await this.http.request("DELETE", `replication/policies/${pathSegment(id)}`);
  }
}

export class ReplicationExecutionsApi {
  constructor(private readonly http: HarborHttp) {}

  /** Starts a run in the background; a disabled policy gives 412. */
  start(policyId: number): Promise<number> {
    return this.http.create("replication/executions", { policy_id: policyId });
  }

  async get(id: number): Promise<ReplicationExecution> {
    return this.http.get<ReplicationExecution>(`replication/executions/${pathSegment(id)}`);
  }

  list(policyId: number, status?: string): Promise<ReplicationExecution[]> {
    return this.http.list<ReplicationExecution>("replication/executions", { policy_id: policyId, status });
  }

  async tasks(executionId: number, status?: string): Promise<ReplicationTask[]> {
    return this.http.list<ReplicationTask>(`replication/executions/${pathSegment(executionId)}/tasks`, { status });
  }

  /** A task's log, plain text: why it failed. */
  async taskLog(executionId: number, taskId: number): Promise<string> {
    return (await this.http.request<string>("GET", `replication/executions/${pathSegment(executionId)}/tasks/${pathSegment(taskId)}/log`)).body ?? "";
  }

  async stop(id: number): Promise<void> {
    await this.http.request("PUT", `replication/executions/${pathSegment(id)}`);
  }
}
