import { randomUUID } from "node:crypto";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { StandInState, StoredWebhookPolicy, StoredWebhookTarget } from "./stand-in-state";

/**
 * What Harbor's core does after a manifest goes through its /v2/: a manifest PUT the registry
 * accepted ensures the artifact and its tag (artifact.Ctl.Ensure), which fires PUSH_ARTIFACT
 * every time, a known digest under a new tag included; a manifest DELETE fires DELETE_ARTIFACT. Each event goes to every enabled policy of the
 * project that takes its type, to each http target, in the target's payload format
 * (src/pkg/notifier/formats: Default and CloudEvents), with the target's auth header as
 * `Authorization`. Harbor's webhook job tries a delivery up to 3 times.
 */

export interface WebhookDelivery {
  policyId: number;
  eventType: string;
  address: string;
  payloadFormat: string;
  /** The receiver's final answer; 0 when it could not be reached. */
  status: number;
  payload: unknown;
}

const ATTEMPTS = 3;
const RETRY_DELAY_MS = 300;
const CLOUD_EVENT_TYPES: Record<string, string> = { PUSH_ARTIFACT: "harbor.artifact.pushed", DELETE_ARTIFACT: "harbor.artifact.deleted" };
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

export class WebhookEvents {
  readonly deliveries: WebhookDelivery[] = [];
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly state: StandInState,
    /** Harbor's external host, as resource URLs name it. */
    private readonly host: () => string,
  ) {}

  /** A manifest PUT through /v2/ that the registry answered 201. */
  manifestPushed(repository: string, reference: string, digest: string | undefined, operator: string): void {
    if (!digest) return;
    const key = `${repository}@${digest}`;
    const tag = DIGEST.test(reference) ? undefined : reference;
    if (!this.state.repositoryCreated.has(repository)) this.state.repositoryCreated.set(repository, Math.floor(Date.now() / 1000));
    const known = this.state.artifacts.get(key) ?? { repository, digest, tags: [] };
    if (tag && !known.tags.includes(tag)) known.tags.push(tag);
    this.state.artifacts.set(key, known);
    this.fire("PUSH_ARTIFACT", repository, tag ?? digest, digest, operator);
  }

  /** A manifest DELETE (by digest) through /v2/ that the registry accepted. */
  manifestDeleted(repository: string, digest: string, operator: string): void {
    const key = `${repository}@${digest}`;
    const known = this.state.artifacts.get(key);
    this.state.artifacts.delete(key);
    this.fire("DELETE_ARTIFACT", repository, known?.tags[0] ?? digest, digest, operator);
  }

  /** Settles when every delivery started so far has ended. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private fire(eventType: string, repository: string, reference: string, digest: string, operator: string): void {
    const [namespace, ...rest] = repository.split("/");
    const project = this.state.projectByName(namespace);
    if (!project) return;
    const occurAt = Math.floor(Date.now() / 1000);
    const separator = reference === digest ? "@" : ":";
    const payload = {
      type: eventType,
      occur_at: occurAt,
      operator,
      event_data: {
        resources: [{ digest, tag: reference, resource_url: `${this.host()}/${repository}${separator}${reference}` }],
        repository: {
          date_created: this.state.repositoryCreated.get(repository),
          name: rest.join("/"),
          namespace,
          repo_full_name: repository,
          repo_type: project.public ? "public" : "private",
        },
      },
    };
    const policies = [...this.state.webhookPolicies.values()].filter(
      (policy) => policy.project_id === project.project_id && policy.enabled && policy.event_types.includes(eventType),
    );
    for (const policy of policies)
      for (const target of policy.targets.filter((candidate) => candidate.type === "http")) {
        const delivery = this.deliver(policy, target, eventType, payload);
        this.pending.add(delivery);
        void delivery.finally(() => this.pending.delete(delivery));
      }
  }

  private async deliver(policy: StoredWebhookPolicy, target: StoredWebhookTarget, eventType: string, payload: HarborPayload): Promise<void> {
    const cloud = target.payload_format === "CloudEvents";
    const body = cloud ? cloudEvent(policy, eventType, payload) : payload;
    const headers: Record<string, string> = { "content-type": cloud ? "application/cloudevents+json" : "application/json" };
    if (target.auth_header) headers.authorization = target.auth_header;
    let status = 0;
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      status = await post(target, JSON.stringify(body), headers);
      if (status >= 200 && status < 300) break;
      if (attempt < ATTEMPTS) await new Promise((done) => setTimeout(done, RETRY_DELAY_MS * attempt));
    }
    this.deliveries.push({ policyId: policy.id, eventType, address: target.address, payloadFormat: target.payload_format, status, payload: body });
  }
}

type HarborPayload = { type: string; occur_at: number; operator: string; event_data: unknown };

/** The CloudEvents form (structured mode), as Harbor's formatter builds it. */
function cloudEvent(policy: StoredWebhookPolicy, eventType: string, payload: HarborPayload) {
  return {
    specversion: "1.0",
    requestid: randomUUID(),
    id: randomUUID(),
    source: `/projects/${policy.project_id}/webhook/policies/${policy.id}`,
    type: CLOUD_EVENT_TYPES[eventType],
    datacontenttype: "application/json",
    time: new Date(payload.occur_at * 1000).toISOString().replace(/\.\d{3}Z$/, "Z"),
    data: payload.event_data,
    operator: payload.operator,
  };
}

/** The receiver's status, or 0 when it cannot be reached. */
function post(target: StoredWebhookTarget, body: string, headers: Record<string, string>): Promise<number> {
  const url = new URL(target.address);
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const request = send(
      url,
      {
        method: "POST",
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
        rejectUnauthorized: !target.skip_cert_verify,
        timeout: 10_000,
      },
      (response) => {
        response.resume();
        response.on("end", () => resolve(response.statusCode ?? 0));
        response.on("error", () => resolve(0));
      },
    );
    request.on("timeout", () => request.destroy());
    request.on("error", () => resolve(0));
    request.end(body);
  });
}
