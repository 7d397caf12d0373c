import { StandInState, StoredProject, StoredWebhookPolicy, StoredWebhookTarget } from "./stand-in-state";
import { badRequest, created, Handler, HandlerContext, HarborFault, notFound, now, ok, paged } from "./stand-in-http";

/**
 * Project webhook policies, as Harbor's webhook handler answers: event types checked first
 * ("empty event type", "unsupported event type X"), then targets (none, an address that is
 * not http(s), an unknown notify type or payload format), the address stored as scheme, host
 * and path only (Harbor's SSRF guard drops the query), "Default" filled in for an http
 * target without a format, 409 for a second policy of a name in one project, 404 for a
 * policy of another project. The auth header is stored and shown back as sent.
 */

/** Harbor 2.13's `notification.GetSupportedEventTypes()`. */
export const SUPPORTED_EVENT_TYPES = [
  "PUSH_ARTIFACT",
  "PULL_ARTIFACT",
  "DELETE_ARTIFACT",
  "SCANNING_FAILED",
  "SCANNING_STOPPED",
  "SCANNING_COMPLETED",
  "QUOTA_EXCEED",
  "QUOTA_WARNING",
  "REPLICATION",
  "TAG_RETENTION",
];
const NOTIFY_TYPES = ["http", "slack", "teams"];
const PAYLOAD_FORMATS = ["Default", "CloudEvents"];

export function webhookHandlers(state: StandInState, basePath: string): Record<string, Handler> {
  const project = (context: HandlerContext): StoredProject => {
    const key = context.pathParams.project_name_or_id;
    const byName = context.headers["x-is-resource-name"] === "true" || !/^\d+$/.test(key);
    return (byName ? state.projectByName(key) : state.projects.get(Number(key))) ?? notFound(`project ${key}`);
  };

  /** Harbor's requirePolicyInProject: a policy of another project is not found. */
  const policyIn = (owner: StoredProject, id: string): StoredWebhookPolicy => {
    const policy = state.webhookPolicies.get(Number(id));
    if (!policy || policy.project_id !== owner.project_id) notFound(`project id:${owner.project_id}, webhook policy id: ${id}`);
    return policy;
  };

  const fromBody = (body: any, owner: StoredProject, id: number, creator: string, creationTime: string): StoredWebhookPolicy => {
    const eventTypes: string[] = body.event_types ?? [];
    if (eventTypes.length === 0) badRequest("empty event type");
    for (const type of eventTypes) if (!SUPPORTED_EVENT_TYPES.includes(type)) badRequest(`unsupported event type ${type}`);
    const targets: StoredWebhookTarget[] = (body.targets ?? []).map((target: any) => storedTarget(target, body.name));
    if (targets.length === 0) badRequest(`empty notification target with policy ${body.name ?? ""}`);
    const name = body.name ?? "";
    if ([...state.webhookPolicies.values()].some((other) => other.project_id === owner.project_id && other.name === name && other.id !== id))
      throw new HarborFault(409, `notification policy ${name} already exists`);
    return {
      id,
      name,
      description: body.description ?? "",
      project_id: owner.project_id,
      targets,
      event_types: eventTypes,
      creator,
      enabled: body.enabled ?? false,
      creation_time: creationTime,
      update_time: now(),
    };
  };

  return {
    ListWebhookPoliciesOfProject(context) {
      const owner = project(context);
      const policies = [...state.webhookPolicies.values()].filter((policy) => policy.project_id === owner.project_id);
      return paged(policies, context.query, `${basePath}/projects/${context.pathParams.project_name_or_id}/webhook/policies`);
    },

    CreateWebhookPolicyOfProject(context) {
      const owner = project(context);
      const policy = fromBody(context.body, owner, state.nextId("webhook-policy"), context.user, now());
      state.webhookPolicies.set(policy.id, policy);
      return created(basePath, `projects/${context.pathParams.project_name_or_id}/webhook/policies`, policy.id);
    },

    GetWebhookPolicyOfProject(context) {
      return ok(policyIn(project(context), context.pathParams.webhook_policy_id));
    },

    UpdateWebhookPolicyOfProject(context) {
      const owner = project(context);
      const current = policyIn(owner, context.pathParams.webhook_policy_id);
      state.webhookPolicies.set(current.id, fromBody(context.body, owner, current.id, current.creator, current.creation_time));
      return ok();
    },

    DeleteWebhookPolicyOfProject(context) {
      const policy = policyIn(project(context), context.pathParams.webhook_policy_id);
      state.webhookPolicies.delete(policy.id);
      return ok();
    },
  };
}

function storedTarget(target: any, policyName: string | undefined): StoredWebhookTarget {
  const address = parseEndpoint(String(target.address ?? ""));
  const type = String(target.type ?? "");
  if (!NOTIFY_TYPES.includes(type)) badRequest(`unsupported target type ${type} with policy ${policyName ?? ""}`);
  const format = String(target.payload_format ?? "");
  if (format && type !== "http") badRequest(`set payload format is not allowed for ${type}`);
  if (format && !PAYLOAD_FORMATS.includes(format)) badRequest(`unsupported payload format type: ${format}`);
  return {
    type,
    address,
    auth_header: target.auth_header ?? "",
    skip_cert_verify: target.skip_cert_verify ?? false,
    payload_format: format || (type === "http" ? "Default" : ""),
  };
}

/** Harbor's `utils.ParseEndpoint` and what the handler keeps of it: scheme://host/path. */
function parseEndpoint(text: string): string {
  let endpoint = text.trim().replace(/\/+$/, "");
  if (!endpoint) badRequest("empty URL");
  const schemeEnd = endpoint.indexOf("://");
  if (schemeEnd >= 0) {
    const scheme = endpoint.slice(0, schemeEnd);
    if (scheme !== "http" && scheme !== "https") badRequest(`invalid scheme: ${scheme}`);
  } else endpoint = `http://${endpoint}`;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    badRequest(`parse "${endpoint}": invalid URI for request`);
  }
  return `${url.protocol}//${url.host}${url.pathname === "/" ? "" : url.pathname}`;
}
