import type * as pulumi from "@pulumi/pulumi";
import { isDeepStrictEqual } from "node:util";
import { z } from "zod";
import { Robot } from "../../clients/harbor";
import { defineDynamicResource } from "../define-dynamic-resource";
import { deleteUnlessGone } from "../delete-remote";
import { toStateValue } from "../state-value";
import { HarborConnectionArgs, harborConnectionSchema } from "./harbor-connection-input";
import { comparedByHarbor, harborResourceBase, readHarborObject, withResourceHarbor, withStoredHarbor } from "./harbor-resource-kit";

/**
 * HarborRobotAccount: a robot for the copier or CI. Harbor returns a robot's secret once,
 * from the create call; it is kept as a secret output. A change of `rotateTriggers` asks
 * Harbor for a new secret; a `secret` input sets a known one instead (Harbor's PATCH).
 */

const accessSchema = () =>
  z.strictObject({
    resource: z.string({ error: "expected a resource such as repository or artifact" }).min(1),
    action: z.string({ error: "expected an action such as pull, push, list or read" }).min(1),
    effect: z.enum(["allow", "deny"], { error: 'expected "allow" or "deny"' }).optional(),
  });

export const harborRobotAccountInputsSchema = () =>
  z
    .strictObject({
      name: z
        .string({ error: "expected the robot's name" })
        .regex(/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/, { error: "expected a name of lower-case letters, digits and . _ - (Harbor adds the robot$ prefix)" }),
      description: z.string({ error: "expected text" }).optional(),
      level: z.enum(["system", "project"], { error: 'expected "system" or "project"' }),
      permissions: z
        .array(
          z.strictObject({
            kind: z.enum(["system", "project"], { error: 'expected "system" or "project"' }),
            namespace: z.string({ error: 'expected a project name, "*" for every project, or "/" for system permissions' }).min(1),
            access: z.array(accessSchema(), { error: "expected a list of {resource, action}" }).min(1, { error: "expected at least one {resource, action}" }),
          }),
          { error: "expected a list of {kind, namespace, access}" },
        )
        .min(1, { error: "expected at least one permission" }),
      duration: z
        .number({ error: "expected days, or -1 for never" })
        .int()
        .refine((days) => days === -1 || days > 0, { error: "expected days (1 or more), or -1 for never" })
        .optional(),
      disable: z.boolean({ error: "expected true or false" }).optional(),
      secret: z
        .string({ error: "expected a secret" })
        .regex(/^(?=.*[a-z])(?=.*[A-Z])(?=.*\d).{8,128}$/, {
          error: "expected 8-128 characters with at least one upper-case letter, one lower-case letter and one digit (Harbor's rule)",
        })
        .optional(),
      rotateTriggers: z.record(z.string(), z.unknown(), { error: "expected a map of values whose change rotates the secret" }).optional(),
      harbor: harborConnectionSchema().optional(),
    })
    .superRefine((inputs, context) => {
      if (inputs.level === "project" && (inputs.permissions.length !== 1 || inputs.permissions[0].kind !== "project")) {
        context.addIssue({
          code: "custom",
          path: ["permissions"],
          message: "expected exactly one permission of kind project: a project robot belongs to one project",
        });
      }
    });

export type HarborRobotAccountInputs = z.infer<ReturnType<typeof harborRobotAccountInputsSchema>>;

export interface HarborRobotAccountOutputs extends HarborRobotAccountInputs {
  schemaVersion: 1;
  robotId: number;
  /** robot$name or robot$project+name: the user name to log in with. */
  fullName: string;
  /** The secret to log in with (a secret output). */
  robotSecret: string;
  expiresAt: number;
}

/** Settings Harbor changes in place with one PUT. */
const SETTINGS = ["description", "permissions", "duration", "disable"] as const;

export const harborRobotAccountDefinition = defineDynamicResource<HarborRobotAccountArgs, HarborRobotAccountOutputs>()({
  ...harborResourceBase,
  type: "HarborRobotAccount",
  schema: harborRobotAccountInputsSchema,
  outputs: ["schemaVersion", "robotId", "fullName", "robotSecret", "expiresAt"],
  secretInputs: ["secret", "harbor"],
  secretOutputs: ["harbor", "robotSecret", "secret"],
  replaceOn: ["name", "level"],
  normalize: comparedByHarbor(normalize),

  async create(news) {
    return withResourceHarbor(news, async (harbor) => {
      const created = await harbor.robots.create({
        name: news.name,
        description: news.description ?? "",
        level: news.level,
        duration: news.duration ?? -1,
        disable: news.disable ?? false,
        permissions: news.permissions,
      });
      try {
        const secret = news.secret === undefined ? created.secret : await harbor.robots.refreshSecret(created.id, news.secret);
        return { id: String(created.id), outs: describe(news, await harbor.robots.get(created.id), secret) };
      } catch (error) {
        // Not in state, the robot would block the next create with a conflict: take it back.
        await harbor.robots.delete(created.id).catch(() => undefined);
        throw error;
      }
    });
  },

  async update(id, olds, news) {
    return withResourceHarbor(news, async (harbor) => {
      const current = await harbor.robots.get(Number(id));
      if (SETTINGS.some((key) => !isDeepStrictEqual(normalize(olds)[key] ?? null, normalize(news)[key] ?? null))) {
        await harbor.robots.update(Number(id), {
          ...current,
          description: news.description ?? "",
          duration: news.duration ?? -1,
          disable: news.disable ?? false,
          permissions: news.permissions,
        });
      }
      let secret = olds.robotSecret;
      if (news.secret !== undefined && news.secret !== olds.secret) secret = await harbor.robots.refreshSecret(Number(id), news.secret);
      else if (!isDeepStrictEqual(olds.rotateTriggers ?? null, news.rotateTriggers ?? null)) secret = await harbor.robots.refreshSecret(Number(id));
      return describe(news, await harbor.robots.get(Number(id)), secret);
    });
  },

  async read(id, props) {
    return readHarborObject(
      props,
      (harbor) => harbor.robots.get(Number(id)),
      async (robot, _harbor) => {
        const inputs = toStateValue({
          ...props,
          name: shortName(robot.name),
          description: robot.description || undefined,
          level: robot.level,
          permissions: robot.permissions,
          duration: robot.duration,
          disable: robot.disable ?? false,
        }) as HarborRobotAccountInputs;
        const { schemaVersion: _v, robotId: _i, fullName: _n, robotSecret: _s, expiresAt: _e, ...plainInputs } = inputs as HarborRobotAccountOutputs;
        return { id, props: describe(plainInputs, robot, props.robotSecret ?? ""), inputs: plainInputs };
      },
    );
  },

  async delete(id, props) {
    await withStoredHarbor(props, (harbor) =>
      deleteUnlessGone(
        () => harbor.robots.delete(Number(id)),
        (said) => `Harbor robot "${props.name}" (id ${id}) cannot be deleted now (Harbor: ${said})`,
      ),
    );
  },
});

/** The provider the engine loads by this name (see packaged-provider.ts); state names it. */
export const harborRobotAccountProvider = harborRobotAccountDefinition.provider;

/** Defaults filled in, and access lists with Harbor's default effect spelled out. */
function normalize(inputs: Partial<HarborRobotAccountInputs>): Record<string, unknown> {
  return {
    ...inputs,
    description: inputs.description ?? "",
    duration: inputs.duration ?? -1,
    disable: inputs.disable ?? false,
    permissions: inputs.permissions?.map((permission) => ({
      ...permission,
      access: permission.access.map((access) => ({ ...access, effect: access.effect ?? "allow" })),
    })),
  };
}

/** robot$project+name and robot$name are both "name" in the inputs. */
function shortName(fullName: string): string {
  return fullName.replace(/^robot\$/, "").replace(/^[^+]*\+/, "");
}

function describe(inputs: HarborRobotAccountInputs, robot: Robot, secret: string): HarborRobotAccountOutputs {
  return { ...inputs, schemaVersion: 1, robotId: robot.id, fullName: robot.name, robotSecret: secret, expiresAt: robot.expires_at ?? -1 };
}

export interface HarborRobotAccountArgs {
  /** The short name; Harbor makes it robot$name (system) or robot$project+name (project). */
  name: pulumi.Input<string>;
  description?: pulumi.Input<string>;
  level: pulumi.Input<"system" | "project">;
  permissions: pulumi.Input<
    pulumi.Input<{
      kind: pulumi.Input<"system" | "project">;
      namespace: pulumi.Input<string>;
      access: pulumi.Input<pulumi.Input<{ resource: pulumi.Input<string>; action: pulumi.Input<string>; effect?: pulumi.Input<"allow" | "deny"> }>[]>;
    }>[]
  >;
  /** Days until it expires; -1 (default) never. */
  duration?: pulumi.Input<number>;
  disable?: pulumi.Input<boolean>;
  /** A known secret to set instead of Harbor's generated one; wrapped as a secret. */
  secret?: pulumi.Input<string>;
  /** Any values; when one changes, Harbor issues a new secret. */
  rotateTriggers?: pulumi.Input<Record<string, pulumi.Input<unknown>>>;
  harbor?: pulumi.Input<HarborConnectionArgs>;
}

/** A Harbor robot account; see the top of this file. */
export class HarborRobotAccount extends harborRobotAccountDefinition.Resource {}
