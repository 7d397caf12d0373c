import { z } from "zod";
import { HarborApiError } from "./harbor-errors";
import { HarborHttp, pathSegment } from "./harbor-http";
import { WebhookPolicy } from "./wire-types";

/**
 * A project's webhook policies (Harbor's "Webhooks" tab), the project addressed by name
 * (`X-Is-Resource-Name`). Harbor's answers are checked before they are used: a policy without
 * an id, or targets that are not a list, is an error naming the call, not a crash later.
 */

const BY_NAME = { "x-is-resource-name": "true" };

const targetSchema = z.looseObject({
  type: z.string(),
  address: z.string(),
  auth_header: z.string().optional(),
  skip_cert_verify: z.boolean().optional(),
  payload_format: z.string().optional(),
});

const policySchema = z.looseObject({
  id: z.number().int().positive(),
  name: z.string(),
  description: z.string().optional(),
  project_id: z.number().int().optional(),
  targets: z.array(targetSchema).nullish(),
  event_types: z.array(z.string()).nullish(),
  enabled: z.boolean().optional(),
});

export class WebhookPoliciesApi {
  constructor(private readonly http: HarborHttp) {}

  /** The new policy's id, from `Location` (only `.../projects/<project>/webhook/policies/<id>` is taken). */
  create(project: string, policy: WebhookPolicy): Promise<number> {
    return this.http.create(this.collection(project), policy, BY_NAME);
  }

  async get(project: string, id: number): Promise<WebhookPolicy> {
    const path = `${this.collection(project)}/${pathSegment(id)}`;
    return this.checked(await this.http.get<unknown>(path, undefined, BY_NAME), `GET ${path}`);
  }

  async findByName(project: string, name: string): Promise<WebhookPolicy | undefined> {
    const path = this.collection(project);
    const listed = await this.http.list<unknown>(path, {}, BY_NAME);
    return listed.map((policy) => this.checked(policy, `GET ${path}`)).find((policy) => policy.name === name);
  }

  /** PUT replaces the whole policy: always send all of it. */
  async replace(project: string, id: number, policy: WebhookPolicy): Promise<void> {
    await this.http.request("PUT", `${this.collection(project)}/${pathSegment(id)}`, { body: policy, headers: BY_NAME });
  }

  async delete(project: string, id: number): Promise<void> {
    await this.http.request("DELETE", `${this.collection(project)}/${pathSegment(id)}`, { headers: BY_NAME });
  }

  private collection(project: string): string {
    return `projects/${pathSegment(project)}/webhook/policies`;
  }

  private checked(answer: unknown, call: string): WebhookPolicy {
    const parsed = policySchema.safeParse(answer);
    if (!parsed.success)
      throw new HarborApiError(
        `${this.http.host}: ${call}: expected a webhook policy {id, name, targets: [{type, address, ...}], event_types, enabled}, got something else (${parsed.error.issues[0]?.path.join(".") || "the whole answer"})`,
        { host: this.http.host, call },
      );
    return { ...parsed.data, targets: parsed.data.targets ?? [], event_types: parsed.data.event_types ?? [], enabled: parsed.data.enabled ?? false };
  }
}
