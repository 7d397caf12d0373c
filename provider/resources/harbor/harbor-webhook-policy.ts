import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { HarborClient, WebhookPolicy, isHarborStatus } from "../../clients/harbor";
import { MIN_SECRET_LENGTH } from "../../watch/shared-secret-rule";
import { defineDynamicResource } from "../define-dynamic-resource";
import { deleteUnlessGone } from "../delete-remote";
import { toStateValue } from "../state-value";
import { HarborConnectionArgs, harborConnectionSchema } from "./harbor-connection-input";
import { comparedByHarbor, harborResourceBase, readHarborObject, withResourceHarbor, withStoredHarbor } from "./harbor-resource-kit";

/**
 * HarborWebhookPolicy: a project webhook that sends Harbor's artifact events to `registry-dr
 * watch` (SyncWatcher's `harborEventsUrl`), so a push is copied to the standby in seconds.
 * The shared secret travels as the target's auth header, `Bearer <secret>`, the header the
 * watcher checks; it is a secret input and output, never shown in plain text.
 *
 * Harbor shows a policy back as stored, auth header included, so a refresh reads everything:
 * an address edited in Harbor's UI, a disabled policy, a changed header (shown as a changed
 * secret, its value hidden) is drift that the next `pulumi up` puts back. A policy of the same
 * name that already exists is a conflict unless `adopt: true` (Pulumi cannot import a dynamic
 * resource); an adopted policy is left in place when the resource is deleted.
 */

/** The events `registry-dr watch` acts on: a push copies, a deletion deletes copies where its config says so. */
export const HARBOR_WEBHOOK_EVENTS = ["PUSH_ARTIFACT", "DELETE_ARTIFACT"] as const;
export const HARBOR_PAYLOAD_FORMATS = ["Default", "CloudEvents"] as const;

const ADDRESS_EXPECTED = "expected the watcher's event URL, such as http://dr-watch.registry-dr.svc:8480/events/harbor (SyncWatcher's harborEventsUrl)";

/** Why `text` cannot be a webhook address, or undefined when it can. Harbor keeps only scheme, host and path. */
function addressProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return ADDRESS_EXPECTED;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return `${ADDRESS_EXPECTED}: http or https, not ${url.protocol.slice(0, -1)}`;
  if (url.username || url.password) return `${ADDRESS_EXPECTED}, without credentials: the shared secret goes in \`secret\``;
  if (url.search || url.hash) return `${ADDRESS_EXPECTED}, without a query or fragment: Harbor keeps only scheme, host and path, and would drop it`;
  return undefined;
}

export const harborWebhookPolicyInputsSchema = () =>
  z.strictObject({
    project: z
      .string({ error: "expected the Harbor project whose pushes are sent" })
      .regex(/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/, { error: "expected a project name of lower-case letters, digits and . _ - (not at the start or end)" }),
    name: z
      .string({ error: "expected the policy's name" })
      .min(1, { error: "expected the policy's name" })
      .max(256, { error: "expected at most 256 characters" }),
    description: z.string({ error: "expected text" }).optional(),
    address: z.string({ error: ADDRESS_EXPECTED }).superRefine((text, context) => {
      const problem = addressProblem(text);
      if (problem) context.addIssue({ code: "custom", message: problem });
    }),
    // Never quoted in a message: it is a secret.
    secret: z
      .string({ error: `expected the watcher's shared secret (REGISTRY_DR_WATCH_SECRET), at least ${MIN_SECRET_LENGTH} characters` })
      .min(MIN_SECRET_LENGTH, {
        error: `expected the watcher's shared secret (REGISTRY_DR_WATCH_SECRET): at least ${MIN_SECRET_LENGTH} characters, as the watcher requires`,
      })
      .regex(/^[\x21-\x7e]+$/, { error: "expected a secret of printable ASCII without spaces: it travels in an HTTP header" }),
    eventTypes: z
      .array(z.enum(HARBOR_WEBHOOK_EVENTS, { error: `expected ${HARBOR_WEBHOOK_EVENTS.join(" or ")}: the events the watcher acts on` }), {
        error: 'expected a list of event types, such as ["PUSH_ARTIFACT"]',
      })
      .min(1, { error: "expected at least one event type (PUSH_ARTIFACT copies pushes)" })
      .refine((types) => new Set(types).size === types.length, { error: "expected each event type once" })
      .optional(),
    payloadFormat: z.enum(HARBOR_PAYLOAD_FORMATS, { error: 'expected "Default" (Harbor\'s own payload) or "CloudEvents"' }).optional(),
    skipCertVerify: z.boolean({ error: "expected true or false" }).optional(),
    enabled: z.boolean({ error: "expected true or false" }).optional(),
    adopt: z.boolean({ error: "expected true or false" }).optional(),
    harbor: harborConnectionSchema().optional(),
  });

export type HarborWebhookPolicyInputs = z.infer<ReturnType<typeof harborWebhookPolicyInputsSchema>>;

export interface HarborWebhookPolicyOutputs extends HarborWebhookPolicyInputs {
  schemaVersion: 1;
  policyId: number;
  projectId: number;
  /** Whether the policy existed before and was adopted (then delete leaves it). */
  adopted: boolean;
}

export const harborWebhookPolicyDefinition = defineDynamicResource<HarborWebhookPolicyArgs, HarborWebhookPolicyOutputs>()({
  ...harborResourceBase,
  type: "HarborWebhookPolicy",
  schema: harborWebhookPolicyInputsSchema,
  outputs: ["schemaVersion", "policyId", "projectId", "adopted"],
  secretInputs: ["secret", "harbor"],
  secretOutputs: ["secret", "harbor"],
  // A policy belongs to its project; `adopt` only matters when it is created.
  replaceOn: ["project"],
  updateOn: ["name", "description", "address", "secret", "eventTypes", "payloadFormat", "skipCertVerify", "enabled", "harbor"],
  normalize: comparedByHarbor(normalizedWebhook),

  async create(news) {
    return withResourceHarbor(news, async (harbor) => {
      const projectId = await projectIdOf(harbor, news.project);
      const existing = await harbor.webhooks.findByName(news.project, news.name);
      if (existing && !news.adopt)
        throw new Error(
          `a webhook policy named "${news.name}" already exists in Harbor project "${news.project}" on ${harbor.host} (id ${existing.id}): set adopt: true to manage it (it is then left in place on delete), or choose another name`,
        );
      if (existing?.id !== undefined) {
        await harbor.webhooks.replace(news.project, existing.id, toWirePolicy(news));
        return { id: String(existing.id), outs: describe(news, existing.id, projectId, true) };
      }
      const id = await harbor.webhooks.create(news.project, toWirePolicy(news));
      return { id: String(id), outs: describe(news, id, projectId, false) };
    });
  },

  async update(id, olds, news) {
    return withResourceHarbor(news, async (harbor) => {
      await harbor.webhooks.replace(news.project, Number(id), toWirePolicy(news));
      return describe(news, Number(id), olds.projectId, olds.adopted ?? false);
    });
  },

  async read(id, props) {
    const project = props.project;
    if (project === undefined) throw new Error(`webhook policy ${id}: the state names no project, and Harbor finds a webhook policy only within its project`);
    return readHarborObject(
      props,
      (harbor) => harbor.webhooks.get(project, Number(id)),
      async (policy, _harbor) => {
        const inputs = toStateValue({ ...props, ...fromWirePolicy(policy, props) }) as HarborWebhookPolicyOutputs;
        const { schemaVersion: _v, policyId: _i, projectId: _p, adopted: _a, ...plainInputs } = inputs;
        return { id, props: describe(plainInputs, Number(id), policy.project_id ?? props.projectId ?? 0, props.adopted ?? false), inputs: plainInputs };
      },
    );
  },

  async delete(id, props) {
    if (props.adopted) {
      console.log(`leaving webhook policy "${props.name}" (id ${id}) of project "${props.project}" in place: it was adopted, not created, by this resource`);
      return;
    }
    await withStoredHarbor(props, (harbor) =>
      deleteUnlessGone(
        () => harbor.webhooks.delete(props.project, Number(id)),
        (said) => `webhook policy "${props.name}" (id ${id}) of project "${props.project}" cannot be deleted now (Harbor: ${said})`,
      ),
    );
  },
});

/** The provider the engine loads by this name (see packaged-provider.ts); state names it. */
export const harborWebhookPolicyProvider = harborWebhookPolicyDefinition.provider;

async function projectIdOf(harbor: HarborClient, project: string): Promise<number> {
  try {
    return (await harbor.projects.get(project)).project_id;
  } catch (error) {
    if (isHarborStatus(error, 404))
      throw new Error(`Harbor project "${project}" does not exist on ${harbor.host}: create it first (HarborProject), or name another`);
    throw error;
  }
}

/** Defaults filled in, as Harbor stores them (no trailing slash on the address, event types in order). */
export function normalizedWebhook(inputs: Partial<HarborWebhookPolicyInputs>): Record<string, unknown> {
  return {
    ...inputs,
    description: inputs.description ?? "",
    address: inputs.address?.replace(/\/+$/, ""),
    eventTypes: [...(inputs.eventTypes ?? ["PUSH_ARTIFACT"])].sort(),
    payloadFormat: inputs.payloadFormat ?? "Default",
    skipCertVerify: inputs.skipCertVerify ?? false,
    enabled: inputs.enabled ?? true,
  };
}

/** The whole policy (Harbor's PUT replaces it): one http target carrying the secret as its auth header. */
function toWirePolicy(inputs: HarborWebhookPolicyInputs): WebhookPolicy {
  return {
    name: inputs.name,
    description: inputs.description ?? "",
    targets: [
      {
        type: "http",
        address: inputs.address.replace(/\/+$/, ""),
        auth_header: `Bearer ${inputs.secret}`,
        skip_cert_verify: inputs.skipCertVerify ?? false,
        payload_format: inputs.payloadFormat ?? "Default",
      },
    ],
    event_types: [...(inputs.eventTypes ?? ["PUSH_ARTIFACT"])],
    enabled: inputs.enabled ?? true,
  };
}

/**
 * A policy read from Harbor as inputs. A policy whose targets are no longer the one http target
 * reads as an address listing them all, which no input equals: the next update puts it back.
 * The secret is the auth header's (a secret output): changed in Harbor, it shows as a change.
 */
function fromWirePolicy(policy: WebhookPolicy, previous: Partial<HarborWebhookPolicyInputs>): Omit<HarborWebhookPolicyInputs, "project" | "harbor"> {
  const [target] = policy.targets;
  const single = policy.targets.length === 1 && target.type === "http";
  const header = target?.auth_header ?? "";
  return {
    name: policy.name,
    description: policy.description || (previous.description === undefined ? undefined : ""),
    address: single ? target.address : policy.targets.map((each) => `${each.type} ${each.address}`).join(", ") || "(no target)",
    secret: header.startsWith("Bearer ") ? header.slice("Bearer ".length) : header,
    eventTypes: policy.event_types as HarborWebhookPolicyInputs["eventTypes"],
    payloadFormat: (target?.payload_format || "Default") as HarborWebhookPolicyInputs["payloadFormat"],
    skipCertVerify: target?.skip_cert_verify ?? false,
    enabled: policy.enabled,
    ...(previous.adopt !== undefined ? { adopt: previous.adopt } : {}),
  };
}

function describe(inputs: HarborWebhookPolicyInputs, policyId: number, projectId: number, adopted: boolean): HarborWebhookPolicyOutputs {
  return { ...inputs, schemaVersion: 1, policyId, projectId, adopted };
}

export interface HarborWebhookPolicyArgs {
  /** The Harbor project whose artifact events are sent; changing it replaces the policy. */
  project: pulumi.Input<string>;
  name: pulumi.Input<string>;
  description?: pulumi.Input<string>;
  /** The watcher's `/events/harbor` URL (SyncWatcher's `harborEventsUrl`), as Harbor reaches it. */
  address: pulumi.Input<string>;
  /** The watcher's shared secret (at least 16 characters); sent as `Authorization: Bearer <secret>`. Wrapped as a secret. */
  secret: pulumi.Input<string>;
  /** Default ["PUSH_ARTIFACT"]; add "DELETE_ARTIFACT" where the watcher follows deletions. */
  eventTypes?: pulumi.Input<pulumi.Input<"PUSH_ARTIFACT" | "DELETE_ARTIFACT">[]>;
  /** Default "Default" (Harbor's own payload); the watcher reads both. */
  payloadFormat?: pulumi.Input<"Default" | "CloudEvents">;
  /** Skip verifying the watcher's certificate (https only). Default false. */
  skipCertVerify?: pulumi.Input<boolean>;
  /** Default true. */
  enabled?: pulumi.Input<boolean>;
  /** Manage a policy of this name that already exists instead of failing; it is then kept on delete. */
  adopt?: pulumi.Input<boolean>;
  harbor?: pulumi.Input<HarborConnectionArgs>;
}

/** A project webhook pointing Harbor at the watcher; see the top of this file. */
export class HarborWebhookPolicy extends harborWebhookPolicyDefinition.Resource {}
