/**
 * What the stand-in remembers, in Harbor's own shapes where Harbor stores them so, with
 * secrets kept in full (Harbor keeps them encrypted and only ever shows "*****").
 */

export interface StoredProject {
  project_id: number;
  name: string;
  public: boolean;
  creation_time: string;
}

export interface StoredQuota {
  id: number;
  projectId: number;
  storage: number;
}

export interface StoredRegistry {
  id: number;
  name: string;
  description: string;
  type: string;
  url: string;
  insecure: boolean;
  credential: { type: string; access_key: string; access_secret: string };
  status: string;
  creation_time: string;
  update_time: string;
}

export interface StoredFilter {
  type: string;
  value: string | string[];
  decoration?: string;
}

export interface StoredPolicy {
  id: number;
  name: string;
  description: string;
  /** 0: the local Harbor. */
  srcRegistryId: number;
  destRegistryId: number;
  dest_namespace: string;
  dest_namespace_replace_count: number;
  trigger: { type: string; trigger_settings?: { cron: string } };
  filters: StoredFilter[];
  replicate_deletion: boolean;
  override: boolean;
  enabled: boolean;
  speed: number;
  copy_by_chunk: boolean;
  creation_time: string;
  update_time: string;
}

export type TaskStatus = "Pending" | "Running" | "Success" | "Error" | "Stopped";

export interface StoredTask {
  id: number;
  execution_id: number;
  status: TaskStatus;
  job_id: string;
  operation: "copy";
  resource_type: "image" | "artifact";
  src_resource: string;
  dst_resource: string;
  start_time: string;
  end_time?: string;
  /** Why it failed (Harbor keeps this in the task's log). */
  log: string;
}

export interface StoredExecution {
  id: number;
  policy_id: number;
  status: "InProgress" | "Succeed" | "Failed" | "Stopped";
  status_text: string;
  trigger: "manual" | "scheduled" | "event_based";
  start_time: string;
  end_time?: string;
  stopRequested: boolean;
  /** Settles when the execution has finished, whatever its outcome. */
  done: Promise<void>;
}

export interface StoredRobot {
  id: number;
  /** The full name: robot$name or robot$project+name. */
  name: string;
  description: string;
  secret: string;
  level: "system" | "project";
  duration: number;
  disable: boolean;
  expires_at: number;
  permissions: { kind: string; namespace: string; access: { resource: string; action: string; effect?: string }[] }[];
  creation_time: string;
  update_time: string;
}

export interface StoredWebhookTarget {
  type: string;
  address: string;
  auth_header: string;
  skip_cert_verify: boolean;
  payload_format: string;
}

export interface StoredWebhookPolicy {
  id: number;
  name: string;
  description: string;
  project_id: number;
  targets: StoredWebhookTarget[];
  event_types: string[];
  creator: string;
  enabled: boolean;
  creation_time: string;
  update_time: string;
}

/** An artifact Harbor knows (its database's artifact table): pushed through Harbor's /v2/. */
export interface StoredArtifact {
  repository: string;
  digest: string;
  tags: string[];
}

export class StandInState {
  readonly projects = new Map<number, StoredProject>();
  readonly quotas = new Map<number, StoredQuota>();
  readonly registries = new Map<number, StoredRegistry>();
  readonly policies = new Map<number, StoredPolicy>();
  readonly executions = new Map<number, StoredExecution>();
  readonly tasks = new Map<number, StoredTask>();
  readonly robots = new Map<number, StoredRobot>();
  readonly webhookPolicies = new Map<number, StoredWebhookPolicy>();
  /** By "repository@digest". */
  readonly artifacts = new Map<string, StoredArtifact>();
  /** A repository's creation time (Unix seconds), by name: its first push through /v2/. */
  readonly repositoryCreated = new Map<string, number>();
  private readonly counters = new Map<string, number>();

  nextId(kind: string): number {
    const next = (this.counters.get(kind) ?? 0) + 1;
    this.counters.set(kind, next);
    return next;
  }

  projectByName(name: string): StoredProject | undefined {
    return [...this.projects.values()].find((project) => project.name === name);
  }
}
