/**
 * Harbor's API shapes as they travel (snake_case), from the swagger's definitions
 * (Registry, RegistryUpdate, RegistryPing, ReplicationPolicy, ReplicationExecution,
 * ReplicationTask, Robot*, ProjectReq, Project, Quota), limited to the fields we use.
 */

export interface RegistryCredential {
  type?: "basic" | "oauth" | string;
  access_key?: string;
  /** Harbor masks it as "*****" on every read. */
  access_secret?: string;
}

export interface RegistryCreate {
  name: string;
  description?: string;
  type: string;
  url: string;
  insecure?: boolean;
  credential?: RegistryCredential;
}

export interface Registry extends RegistryCreate {
  id: number;
  status?: string;
}

/** PUT /registries/{id} takes this flat body, not the Registry shape. */
export interface RegistryUpdate {
  name?: string;
  description?: string;
  url?: string;
  credential_type?: string;
  access_key?: string;
  access_secret?: string;
  insecure?: boolean;
}

export interface RegistryPing extends RegistryUpdate {
  id?: number;
  type?: string;
}

export type FilterType = "name" | "tag" | "label" | "resource";

export interface ReplicationFilter {
  type: FilterType;
  /** A string, except for label filters: a list of labels. */
  value: string | string[];
  decoration?: "matches" | "excludes";
}

export interface ReplicationTrigger {
  type: "manual" | "scheduled" | "event_based";
  trigger_settings?: { cron?: string };
}

export interface ReplicationPolicy {
  id?: number;
  name: string;
  description?: string;
  /** Id 0 (or absent) is the local Harbor. */
  src_registry?: { id: number; name?: string; type?: string };
  dest_registry?: { id: number; name?: string; type?: string };
  dest_namespace?: string;
  dest_namespace_replace_count?: number;
  trigger?: ReplicationTrigger;
  filters?: ReplicationFilter[] | null;
  replicate_deletion?: boolean;
  /** Deprecated, and yet the only one of the two Harbor reads on create and update. */
  deletion?: boolean;
  override?: boolean;
  enabled?: boolean;
  /** KB/s; 0 and below mean unlimited (and below 0 is stored as 0). */
  speed?: number;
  copy_by_chunk?: boolean;
}

export type ExecutionStatus = "InProgress" | "Succeed" | "Failed" | "Stopped";

export interface ReplicationExecution {
  id: number;
  policy_id: number;
  status: ExecutionStatus | string;
  status_text?: string;
  trigger?: string;
  total: number;
  failed: number;
  succeed: number;
  in_progress: number;
  stopped: number;
  start_time?: string;
  end_time?: string;
}

export interface ReplicationTask {
  id: number;
  execution_id: number;
  status: string;
  operation?: string;
  resource_type?: string;
  src_resource?: string;
  dst_resource?: string;
}

export interface RobotAccess {
  resource: string;
  action: string;
  effect?: "allow" | "deny";
}

export interface RobotPermission {
  kind: "system" | "project";
  namespace: string;
  access: RobotAccess[];
}

export interface RobotCreate {
  name: string;
  description?: string;
  level: "system" | "project";
  /** Days; -1 never expires. */
  duration: number;
  disable?: boolean;
  permissions: RobotPermission[];
}

export interface Robot extends RobotCreate {
  id: number;
  editable?: boolean;
  expires_at?: number;
}

export interface RobotCreated {
  id: number;
  /** The full name: robot$name, or robot$project+name. */
  name: string;
  secret: string;
  expires_at?: number;
}

export interface ProjectCreate {
  project_name: string;
  metadata?: { public?: "true" | "false" };
  /** Bytes; -1 unlimited. */
  storage_limit?: number;
}

export interface Project {
  project_id: number;
  name: string;
  repo_count?: number;
  metadata?: { public?: string };
}

export interface Quota {
  id: number;
  ref?: { id?: number; name?: string };
  hard: { storage?: number };
  used?: { storage?: number };
}

export interface WebhookTarget {
  /** "http" for a plain webhook (Harbor also has "slack" and "teams"). */
  type: string;
  address: string;
  /** Sent as the `Authorization` header of every delivery; Harbor shows it back as stored. */
  auth_header?: string;
  skip_cert_verify?: boolean;
  /** "Default" or "CloudEvents"; Harbor stores "Default" when an http target gives none. */
  payload_format?: string;
}

export interface WebhookPolicy {
  id?: number;
  name: string;
  description?: string;
  project_id?: number;
  targets: WebhookTarget[];
  /** PUSH_ARTIFACT, DELETE_ARTIFACT, PULL_ARTIFACT, ... */
  event_types: string[];
  enabled: boolean;
}
