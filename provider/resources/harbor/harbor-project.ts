import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { HarborClient } from "../../clients/harbor";
import { defineDynamicResource } from "../define-dynamic-resource";
import { deleteUnlessGone } from "../delete-remote";
import { HarborConnectionArgs, harborConnectionSchema } from "./harbor-connection-input";
import { harborResourceBase, readHarborObject, withResourceHarbor, withStoredHarbor } from "./harbor-resource-kit";

/**
 * HarborProject: a Harbor project (the namespace images are pushed to and replicated from).
 * The resource id is the project name. Taking over a project that already exists is explicit
 * (`adopt: true`), and the way to bring one under a stack: Pulumi cannot import a dynamic
 * resource (the engine sends the provider nothing to load itself from). An adopted project is
 * left in place when the resource is deleted.
 */

export const harborProjectInputsSchema = () =>
  z.strictObject({
    name: z
      .string({ error: "expected a project name" })
      .regex(/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/, { error: "expected a project name of lower-case letters, digits and . _ - (not at the start or end)" })
      .max(255, { error: "expected at most 255 characters" }),
    public: z.boolean({ error: "expected true or false" }).optional(),
    storageLimit: z.number({ error: "expected bytes, or -1 for no limit" }).int().min(-1, { error: "expected bytes, or -1 for no limit" }).optional(),
    adopt: z.boolean({ error: "expected true or false" }).optional(),
    harbor: harborConnectionSchema().optional(),
  });

export type HarborProjectInputs = z.infer<ReturnType<typeof harborProjectInputsSchema>>;

export interface HarborProjectOutputs extends HarborProjectInputs {
  /** Bumped when this shape changes; state written by older releases stays readable. */
  schemaVersion: 1;
  projectId: number;
  /** Whether the project existed before and was adopted (then delete leaves it). */
  adopted: boolean;
  repoCount: number;
}

export const harborProjectDefinition = defineDynamicResource<HarborProjectArgs, HarborProjectOutputs>()({
  ...harborResourceBase,
  type: "HarborProject",
  schema: harborProjectInputsSchema,
  outputs: ["schemaVersion", "projectId", "adopted", "repoCount"],
  secretInputs: ["harbor"],
  secretOutputs: ["harbor"],
  // Harbor cannot rename a project; `adopt` only matters when the project is created.
  replaceOn: ["name"],
  updateOn: ["public", "storageLimit", "harbor"],

  async create(news) {
    return withResourceHarbor(news, async (harbor) => {
      const adopted = await harbor.projects.exists(news.name);
      if (adopted && !news.adopt) {
        throw new Error(`Harbor project "${news.name}" already exists on ${harbor.host}: set adopt: true to manage it, or choose another name`);
      }
      if (!adopted) {
        await harbor.projects.create({
          project_name: news.name,
          metadata: { public: String(news.public ?? false) as "true" | "false" },
          storage_limit: news.storageLimit ?? -1,
        });
      } else {
        await applySettings(harbor, news);
      }
      return { id: news.name, outs: await describe(harbor, news, adopted) };
    });
  },

  async update(_id, olds, news) {
    return withResourceHarbor(news, async (harbor) => {
      await applySettings(harbor, news);
      return describe(harbor, news, olds.adopted ?? false);
    });
  },

  async read(id, props) {
    return readHarborObject(
      props,
      (harbor) => harbor.projects.get(props.name ?? id),
      async (current, harbor) => {
        const quota = await harbor.projects.quota(current.project_id);
        // A setting left out is not managed: a refresh leaves it out; state without a schema version shows Harbor's value.
        const managed = (key: "public" | "storageLimit") => props.schemaVersion === undefined || props[key] !== undefined;
        const inputs: HarborProjectInputs = {
          ...props,
          name: current.name,
          public: managed("public") ? current.metadata?.public === "true" : undefined,
          storageLimit: managed("storageLimit") ? (quota?.hard.storage ?? -1) : undefined,
        };
        const outs = await describe(harbor, inputs, props.adopted ?? false);
        return { id: current.name, props: outs, inputs: withoutOutputs(outs) };
      },
    );
  },

  async delete(_id, props) {
    if (props.adopted) return;
    await withStoredHarbor(props, (harbor) =>
      deleteUnlessGone(
        () => harbor.projects.delete(props.name),
        async (said) => {
          const repos = (await harbor.projects.get(props.name).catch(() => undefined))?.repo_count;
          return `Harbor project "${props.name}" cannot be deleted: it still holds ${repos ?? "some"} repositories (Harbor: ${said}); delete them first, or remove the resource from state with \`pulumi state delete\` to keep the project`;
        },
      ),
    );
  },
});

/** The provider the engine loads by this name (see packaged-provider.ts); state names it. */
export const harborProjectProvider = harborProjectDefinition.provider;

async function applySettings(harbor: HarborClient, inputs: HarborProjectInputs): Promise<void> {
  const current = await harbor.projects.get(inputs.name);
  if (inputs.public !== undefined && (current.metadata?.public === "true") !== inputs.public) await harbor.projects.setPublic(inputs.name, inputs.public);
  if (inputs.storageLimit !== undefined) {
    const quota = await harbor.projects.quota(current.project_id);
    if (quota?.hard.storage !== inputs.storageLimit) await harbor.projects.setStorageLimit(current.project_id, inputs.storageLimit);
  }
}

async function describe(harbor: HarborClient, inputs: HarborProjectInputs, adopted: boolean): Promise<HarborProjectOutputs> {
  const project = await harbor.projects.get(inputs.name);
  return { ...inputs, schemaVersion: 1, projectId: project.project_id, adopted, repoCount: project.repo_count ?? 0 };
}

function withoutOutputs(outs: HarborProjectOutputs): HarborProjectInputs {
  const { schemaVersion: _v, projectId: _p, adopted: _a, repoCount: _r, ...inputs } = outs;
  return inputs;
}

export interface HarborProjectArgs {
  name: pulumi.Input<string>;
  /** Anyone may pull without logging in (default false). */
  public?: pulumi.Input<boolean>;
  /** Storage quota in bytes; -1 for none (Harbor's default). */
  storageLimit?: pulumi.Input<number>;
  /** Manage a project that already exists instead of failing; it is then kept on delete. */
  adopt?: pulumi.Input<boolean>;
  /** Harbor to use; by default the stack config's `registry-dr:harbor*` keys. */
  harbor?: pulumi.Input<HarborConnectionArgs>;
}

/** A Harbor project; see the top of this file. */
export class HarborProject extends harborProjectDefinition.Resource {}
