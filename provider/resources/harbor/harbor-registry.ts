import type * as pulumi from "@pulumi/pulumi";
import { randomBytes, scryptSync, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { HarborClient, isHarborStatus, RegistryPing } from "../../clients/harbor";
import { defineDynamicResource } from "../define-dynamic-resource";
import { deleteUnlessGone } from "../delete-remote";
import { toStateValue } from "../state-value";
import { HarborConnectionArgs, harborConnectionSchema } from "./harbor-connection-input";
import { harborResourceBase, readHarborObject, withResourceHarbor, withStoredHarbor } from "./harbor-resource-kit";

/**
 * HarborRegistry: a replication endpoint ("Registries" in Harbor's UI). Harbor's "Test
 * Connection" runs before every create and update, so a wrong URL or credential fails the
 * preview-approved `pulumi up` with a clear error instead of leaving a broken endpoint.
 *
 * Harbor never shows a stored secret again, so the secret cannot be compared by reading:
 * the state keeps a salted scrypt fingerprint of the secret last applied, and a changed
 * secret is an update that sends it. The secret itself is kept only in the (secret) inputs.
 *
 * An endpoint that already exists (made in Harbor's UI) is a conflict unless `adopt: true`:
 * the resource then takes it over, applies its settings and secret, and leaves it in place
 * when deleted. Pulumi cannot import a dynamic resource, so adopting is the way in.
 */

export const HARBOR_ADAPTER_TYPES = [
  "harbor",
  "docker-hub",
  "docker-registry",
  "huawei-SWR",
  "google-gcr",
  "aws-ecr",
  "azure-acr",
  "ali-acr",
  "jfrog-artifactory",
  "quay",
  "gitlab",
  "dtr",
  "tencent-tcr",
  "github-ghcr",
  "volcengine-cr",
] as const;
export type HarborAdapterType = (typeof HARBOR_ADAPTER_TYPES)[number];

export const harborRegistryInputsSchema = () =>
  z
    .strictObject({
      name: z
        .string({ error: "expected the endpoint's name" })
        .min(1, { error: "expected the endpoint's name" })
        .max(64, { error: "expected at most 64 characters (Harbor's limit)" }),
      description: z.string({ error: "expected text" }).optional(),
      type: z.enum(HARBOR_ADAPTER_TYPES, { error: `expected one of Harbor's adapter types: ${HARBOR_ADAPTER_TYPES.join(", ")}` }),
      url: z
        .string({ error: "expected the registry's URL" })
        .regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, { error: "expected the registry's URL, such as https://registry.example.com" }),
      accessKey: z.string({ error: "expected the access ID (user name, key id)" }).optional(),
      accessSecret: z.string({ error: "expected the access secret" }).optional(),
      insecure: z.boolean({ error: "expected true or false" }).optional(),
      adopt: z.boolean({ error: "expected true or false" }).optional(),
      harbor: harborConnectionSchema().optional(),
    })
    .superRefine((inputs, context) => {
      const problem = credentialProblem(inputs.type, inputs.accessKey, inputs.accessSecret);
      if (problem) context.addIssue({ code: "custom", path: [problem.property], message: problem.message });
    });

export type HarborRegistryInputs = z.infer<ReturnType<typeof harborRegistryInputsSchema>>;

export interface HarborRegistryOutputs extends Omit<HarborRegistryInputs, "accessSecret"> {
  schemaVersion: 1;
  registryId: number;
  /** "scrypt:<salt>:<hash>" of the secret last applied; empty without a secret. */
  secretFingerprint: string;
  status: string;
  /** Whether the endpoint existed before and was adopted (then delete leaves it). */
  adopted: boolean;
}

/** What each adapter expects as credentials (Harbor's documentation and its adapters' sources). */
function credentialProblem(
  type: HarborAdapterType,
  accessKey: string | undefined,
  accessSecret: string | undefined,
): { property: string; message: string } | undefined {
  if (accessKey && !accessSecret) return { property: "accessSecret", message: `expected an access secret to go with access ID "${accessKey}"` };
  if (accessSecret && !accessKey && type !== "quay") return { property: "accessKey", message: "expected an access ID to go with the secret" };
  switch (type) {
    case "google-gcr":
      if (accessKey !== "_json_key")
        return { property: "accessKey", message: `expected "_json_key": google-gcr authenticates with a service-account JSON key` };
      if (!jsonWith(accessSecret, ["type", "client_email", "private_key"]))
        return { property: "accessSecret", message: "expected the whole service-account JSON key (with type, client_email and private_key)" };
      return undefined;
    case "aws-ecr":
      if (accessKey && !/^(AKIA|ASIA)[A-Z0-9]{12,124}$/.test(accessKey))
        return { property: "accessKey", message: "expected an AWS access key id (AKIA... or ASIA...), not a user name: aws-ecr uses access keys" };
      return undefined;
    case "ali-acr":
      if (accessKey && !/^[A-Za-z0-9]{12,64}$/.test(accessKey))
        return {
          property: "accessKey",
          message:
            "expected a RAM AccessKey ID (such as LTAI...): ali-acr uses the AccessKey, not the docker login; for ACR Enterprise Edition use type docker-registry with the instance's registry user",
        };
      return undefined;
    case "quay":
      if (accessSecret && !jsonWith(accessSecret, ["docker_cli_password"]))
        return {
          property: "accessSecret",
          message: `expected Quay's JSON secret, such as {"account_name": "...", "docker_cli_password": "...", "oauth2_token": "..."}`,
        };
      return undefined;
    default:
      return undefined;
  }
}

function jsonWith(text: string | undefined, keys: string[]): boolean {
  try {
    const parsed = JSON.parse(text ?? "");
    return typeof parsed === "object" && parsed !== null && keys.every((key) => typeof parsed[key] === "string" && parsed[key].length > 0);
  } catch {
    return false;
  }
}

export function secretFingerprint(secret: string | undefined, salt = randomBytes(16).toString("hex")): string {
  if (!secret) return "";
  return `scrypt:${salt}:${scryptSync(secret, salt, 32).toString("hex")}`;
}

/** Whether `secret` is the one `fingerprint` was made from. */
export function matchesFingerprint(secret: string | undefined, fingerprint: string | undefined): boolean {
  if (!secret || !fingerprint) return !secret && !fingerprint;
  const [, salt, hash] = fingerprint.split(":");
  if (!salt || !hash) return false;
  return timingSafeEqual(Buffer.from(hash, "hex"), scryptSync(secret, salt, 32));
}

export const harborRegistryDefinition = defineDynamicResource<HarborRegistryArgs, HarborRegistryOutputs>()({
  ...harborResourceBase,
  type: "HarborRegistry",
  schema: harborRegistryInputsSchema,
  outputs: ["schemaVersion", "registryId", "secretFingerprint", "status", "adopted"],
  secretInputs: ["accessSecret", "harbor"],
  // The fingerprint is salted, yet a weak password could be guessed from it offline.
  secretOutputs: ["harbor", "secretFingerprint"],
  replaceOn: ["type"],
  // The secret is not in the outputs: its fingerprint says whether it changed. `adopt` matters only on create.
  updateOn: ["name", "description", "url", "accessKey", "insecure", "harbor"],
  alsoChanged: (olds, news) => !matchesFingerprint(news.accessSecret, olds.secretFingerprint),

  async create(news) {
    return withResourceHarbor(news, async (harbor) => {
      const existing = await harbor.registries.findByName(news.name);
      if (existing && !news.adopt)
        throw new Error(
          `a registry endpoint named "${news.name}" already exists on ${harbor.host} (id ${existing.id}): set adopt: true to manage it (it is then left in place on delete), or choose another name`,
        );
      if (existing) {
        await applySettings(harbor, existing.id, news, true);
        return { id: String(existing.id), outs: await describe(harbor, existing.id, news, secretFingerprint(news.accessSecret), true) };
      }
      await testConnection(harbor, news);
      const id = await harbor.registries.create({
        name: news.name,
        description: news.description ?? "",
        type: news.type,
        url: news.url,
        insecure: news.insecure ?? false,
        credential: { type: "basic", access_key: news.accessKey ?? "", access_secret: news.accessSecret ?? "" },
      });
      return { id: String(id), outs: await describe(harbor, id, news, secretFingerprint(news.accessSecret), false) };
    });
  },

  async update(id, olds, news) {
    return withResourceHarbor(news, async (harbor) => {
      const secretChanged = !matchesFingerprint(news.accessSecret, olds.secretFingerprint);
      await applySettings(harbor, Number(id), news, secretChanged);
      return describe(harbor, Number(id), news, secretChanged ? secretFingerprint(news.accessSecret) : olds.secretFingerprint, olds.adopted ?? false);
    });
  },

  async read(id, props) {
    return readHarborObject(
      props,
      (harbor) => harbor.registries.get(Number(id)),
      async (current, _harbor) => {
        const inputs = toStateValue({
          ...props,
          name: current.name,
          description: current.description || undefined,
          type: current.type as HarborAdapterType,
          url: current.url,
          accessKey: current.credential?.access_key || undefined,
          // Left out means false (what create sent): reading false back must not turn it into a change.
          insecure: props.insecure === undefined && !current.insecure ? undefined : (current.insecure ?? false),
        });
        const { schemaVersion: _v, registryId: _r, secretFingerprint: _f, status: _s, adopted: _a, ...plainInputs } = inputs as HarborRegistryOutputs;
        return {
          id,
          props: {
            ...inputs,
            schemaVersion: 1,
            registryId: current.id,
            secretFingerprint: props.secretFingerprint ?? "",
            status: current.status ?? "",
            adopted: props.adopted ?? false,
          },
          inputs: plainInputs,
        };
      },
    );
  },

  async delete(id, props) {
    if (props.adopted) {
      console.log(`leaving registry endpoint "${props.name}" (id ${id}) in place: it was adopted, not created, by this resource`);
      return;
    }
    await withStoredHarbor(props, (harbor) =>
      deleteUnlessGone(
        () => harbor.registries.delete(Number(id)),
        (said) =>
          `registry endpoint "${props.name}" (id ${id}) is still used by a replication policy or a proxy-cache project: delete those first (Harbor: ${said})`,
      ),
    );
  },
});

/** The provider the engine loads by this name (see packaged-provider.ts); state names it. */
export const harborRegistryProvider = harborRegistryDefinition.provider;

/** Tests the connection, then sends the endpoint's settings; the secret only when `withSecret` (else Harbor keeps its own). */
async function applySettings(harbor: HarborClient, id: number, inputs: HarborRegistryInputs, withSecret: boolean): Promise<void> {
  await testConnection(harbor, inputs, id);
  await harbor.registries.update(id, {
    name: inputs.name,
    description: inputs.description ?? "",
    url: inputs.url,
    insecure: inputs.insecure ?? false,
    credential_type: "basic",
    access_key: inputs.accessKey ?? "",
    ...(withSecret ? { access_secret: inputs.accessSecret ?? "" } : {}),
  });
}

/** Harbor's "Test Connection", with an error that says what to check. */
async function testConnection(harbor: HarborClient, inputs: HarborRegistryInputs, id?: number): Promise<void> {
  const ping: RegistryPing = {
    type: inputs.type,
    url: inputs.url,
    credential_type: "basic",
    access_key: inputs.accessKey ?? "",
    access_secret: inputs.accessSecret ?? "",
    insecure: inputs.insecure ?? false,
  };
  try {
    await harbor.registries.ping(id === undefined ? ping : { ...ping, id });
  } catch (error) {
    if (!isHarborStatus(error, 400) && !isHarborStatus(error, 404)) throw error;
    const who = inputs.accessKey ? `access ID "${inputs.accessKey}"` : "no credentials";
    throw new Error(
      `Harbor's connection test to ${inputs.url} (${inputs.type}, ${who}${inputs.insecure ? ", insecure" : ""}) failed: check the URL, that Harbor can reach it, and the credentials. Harbor said: ${error.message}`,
    );
  }
}

async function describe(harbor: HarborClient, id: number, inputs: HarborRegistryInputs, fingerprint: string, adopted: boolean): Promise<HarborRegistryOutputs> {
  const registry = await harbor.registries.get(id);
  const { accessSecret: _secret, ...rest } = inputs;
  return { ...rest, schemaVersion: 1, registryId: id, secretFingerprint: fingerprint, status: registry.status ?? "", adopted };
}

export interface HarborRegistryArgs {
  name: pulumi.Input<string>;
  description?: pulumi.Input<string>;
  /** Harbor's adapter type; changing it replaces the endpoint. */
  type: pulumi.Input<HarborAdapterType>;
  url: pulumi.Input<string>;
  /** User name, `_json_key` (google-gcr), AWS or RAM access key id. */
  accessKey?: pulumi.Input<string>;
  /** Password, JSON key or secret key; wrapped as a secret. */
  accessSecret?: pulumi.Input<string>;
  /** Skip TLS verification of the target. */
  insecure?: pulumi.Input<boolean>;
  /** Manage an endpoint of this name that already exists instead of failing; it is then kept on delete. */
  adopt?: pulumi.Input<boolean>;
  harbor?: pulumi.Input<HarborConnectionArgs>;
}

/** A replication endpoint; see the top of this file. */
export class HarborRegistry extends harborRegistryDefinition.Resource {}
