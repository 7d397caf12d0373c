import * as pulumi from "@pulumi/pulumi";
import type { CheckFailure, CheckResult, ConfigureRequest, ResourceProvider } from "@pulumi/pulumi/dynamic";
import type { z } from "zod";
import { checkInputs, withoutProvider } from "./check-inputs";
import { DiffRules, diffInputs } from "./diff-inputs";
import { packagedProvider } from "./packaged-provider";
import { secretAtPath, withSecretOutputs } from "./secret-inputs";
import { toStateValue } from "./state-value";

/**
 * A dynamic resource declared once: its schema, its outputs, which of them are secret, what
 * replaces, and its create/read/update/delete. From that come the provider (`check` by the
 * schema, one `diff`, every output made storable), the packaged-provider shim the engine
 * stores in state, and the resource class, so no resource writes that scaffolding again.
 */

type Props = Record<string, unknown>;

/** `true` when A and B accept the same values; otherwise the half that does not. */
export type SameShape<A, B> = [A] extends [B] ? ([B] extends [A] ? true : { schemaAcceptsWhatArgsCannotSay: B }) : { argsAllowWhatSchemaRejects: A };

/**
 * `pulumi.Unwrap`, except that `unknown` stays `unknown` (pulumi.Unwrap turns it into
 * `never`, so a map of any values, such as `triggers`, could never match its schema).
 */
export type Unwrapped<T> = unknown extends T
  ? T
  : T extends Promise<infer U>
    ? Unwrapped<U>
    : T extends pulumi.OutputInstance<infer U>
      ? Unwrapped<U>
      : T extends string | number | boolean | null | undefined
        ? T
        : T extends (infer E)[]
          ? Unwrapped<E>[]
          : T extends object
            ? { [K in keyof T]: Unwrapped<T[K]> }
            : T;

/** Compiles only when the public Args, unwrapped, are exactly what the schema accepts: drift breaks the build. */
type ArgsMatchSchema<Args, S extends z.ZodType> =
  SameShape<Unwrapped<Args>, z.input<S>> extends true ? unknown : { argsDoNotMatchSchema: SameShape<Unwrapped<Args>, z.input<S>> };

/** An object schema, or a discriminated union of object schemas (one variant per kind, such as a backend). */
export type InputSchema = z.ZodObject | z.ZodDiscriminatedUnion<readonly z.ZodObject[]>;

/** Every key any variant of the schema takes. */
function inputKeys(schema: InputSchema): string[] {
  const shapes = "shape" in schema ? [schema.shape] : schema.options.map((option) => option.shape);
  return [...new Set(shapes.flatMap((shape) => Object.keys(shape)))];
}

export interface DynamicResourceSpec<S extends InputSchema, O extends object> {
  /** The type token is `pulumi-nodejs:dynamic/<module>:<type>`; state names it, so it never changes. */
  module: string;
  type: string;
  /** The provider's export in `registry-dr/providers` (entry/providers.ts); state names it. Default `<type, first letter lower-case>Provider`. */
  exportName?: string;
  /** A function, not a constant: each call gets a fresh schema. */
  schema: () => S;
  /** The keys only the provider fills in (not inputs): seeded undefined so Pulumi exposes them. */
  outputs: readonly (keyof O & string)[];
  /**
   * Inputs wrapped with `pulumi.secret` when given: a key, or a dotted path to the credential
   * inside one (`"rfc2136.tsig.secret"`), which keeps the rest of that input plain in previews
   * and state. An output of the same key keeps the same secrets (the engine matches them up).
   */
  secretInputs?: readonly SecretInputPath<z.input<S>>[];
  /** Outputs stored as secrets (new output keys are not secret unless listed). */
  secretOutputs?: readonly (keyof O & string)[];
  /** Inputs whose change replaces the resource: the remote cannot change them in place. */
  replaceOn?: readonly (keyof z.output<S> & string)[];
  /** Inputs whose change is an update; default every key of the schema. */
  updateOn?: readonly (keyof z.output<S> & string)[];
  /**
   * Whether the replacement would collide with the object it replaces (the same name in the
   * same place): then the old one goes first; otherwise the new one is made first and nothing
   * is missing in between. Given the normalized old outputs and new inputs; default: always.
   */
  collides?: (olds: Props, news: Props) => boolean;
  /** Old outputs and new inputs as the remote stores them (defaults filled in, server rewrites applied), so there is no perpetual diff. */
  normalize?: (values: Partial<z.output<S>>) => Props;
  /** A change the inputs cannot show (live state, a secret's fingerprint); asked only when the inputs are known and unchanged. */
  alsoChanged?: (olds: O, news: z.output<S>) => boolean | Promise<boolean>;
  /**
   * Prints what a pending change will do, for whoever reviews `pulumi preview` (a dynamic
   * provider cannot return a detailed diff, but its output is shown). Asked only for a change
   * whose inputs are all known.
   */
  describeChange?: (olds: O, news: z.output<S>) => void | Promise<void>;
  configure?: (config: ConfigureRequest["config"]) => void;
  /** Rules across fields, beyond the schema's shape; throws a ConfigError. Not run while inputs are unknown. */
  check?: (inputs: z.output<S>) => void;
  /** Failures that are not about one input's shape, such as no way to reach the remote. */
  preconditions?: (news: Props) => CheckFailure[];
  create(inputs: z.output<S>): Promise<{ id: string; outs: O }>;
  /** `props` are the outputs in state (possibly partial: written by an older release); an empty id means the remote thing is gone. Never reached by an import: the engine sends it no provider. */
  read(id: string, props: Partial<O>): Promise<{ id: string; props: Partial<O>; inputs?: Props }>;
  /** `olds` are the OLD OUTPUTS. */
  update(id: string, olds: O, news: z.output<S>): Promise<O>;
  delete(id: string, props: O): Promise<void>;
}

/** A top-level input key, or a dotted path starting with one. */
type SecretInputPath<I> = (keyof I & string) | `${keyof I & string}.${string}`;

/** What the resource class is built from. */
type ResourceParts = Pick<DynamicResourceSpec<z.ZodObject, object>, "module" | "type"> & {
  outputs: readonly string[];
  secretInputs?: readonly string[];
  secretOutputs?: readonly string[];
};

/** The resource class: outputs typed from O, constructed with the public Args. */
export type DynamicResourceClass<Args, O> = new (
  name: string,
  args: Args,
  opts?: pulumi.CustomResourceOptions,
) => pulumi.dynamic.Resource & {
  readonly [K in KeyOfAny<O>]-?: pulumi.Output<Exclude<ValueOfAny<O, K>, undefined>>;
};

/** Outputs one variant per kind (a union) still make one class: every variant's keys, each with any variant's value. */
type KeyOfAny<O> = O extends unknown ? keyof O : never;
type ValueOfAny<O, K extends PropertyKey> = O extends unknown ? (K extends keyof O ? O[K] : never) : never;

export interface DynamicResourceDefinition<Args, O> {
  /** `pulumi-nodejs:dynamic/<module>:<type>`. */
  token: string;
  exportName: string;
  provider: ResourceProvider;
  Resource: DynamicResourceClass<Args, O>;
}

/** `defineDynamicResource<Args, Outputs>()({...})`: Args and Outputs named, the schema inferred. */
export function defineDynamicResource<Args, O extends object>() {
  return <S extends InputSchema>(spec: DynamicResourceSpec<S, O> & ArgsMatchSchema<Args, S>): DynamicResourceDefinition<Args, O> => {
    const exportName = spec.exportName ?? `${spec.type[0].toLowerCase()}${spec.type.slice(1)}Provider`;
    return {
      token: `pulumi-nodejs:dynamic/${spec.module}:${spec.type}`,
      exportName,
      provider: providerOf(spec),
      Resource: resourceClassOf<Args, O>(spec, exportName),
    };
  };
}

function providerOf<S extends InputSchema, O extends object>(spec: DynamicResourceSpec<S, O>): ResourceProvider {
  type I = z.output<S>;
  return {
    async configure(request) {
      spec.configure?.(request.config);
    },
    async check(_olds, news): Promise<CheckResult> {
      const result = checkInputs(spec.schema() as unknown as z.ZodType<I>, news, spec.check);
      const more = spec.preconditions?.(news) ?? [];
      return more.length > 0 ? { ...result, failures: [...(result.failures ?? []), ...more] } : result;
    },
    async diff(_id, olds: O, news: I) {
      const inputs = withoutProvider(news);
      const updateOn = spec.updateOn ?? inputKeys(spec.schema());
      const { unknown, ...result } = diffInputs(olds, inputs, {
        replaceOn: spec.replaceOn ?? [],
        updateOn,
        normalize: spec.normalize as DiffRules["normalize"],
        collides: spec.collides,
      });
      if (unknown) return result;
      const changes = result.changes || ((await spec.alsoChanged?.(olds, inputs)) ?? false);
      if (changes) await spec.describeChange?.(olds, inputs);
      return { ...result, changes };
    },
    async create(inputs: I) {
      const { id, outs } = await spec.create(withoutProvider(inputs));
      return { id, outs: toStateValue(outs) };
    },
    async read(id, props: Partial<O>) {
      const result = await spec.read(id, withoutProvider(props));
      return toStateValue(result);
    },
    async update(id, olds: O, news: I) {
      return { outs: toStateValue(await spec.update(id, withoutProvider(olds), withoutProvider(news))) };
    },
    async delete(id, props: O) {
      await spec.delete(id, withoutProvider(props));
    },
  };
}

function resourceClassOf<Args, O extends object>(spec: ResourceParts, exportName: string): DynamicResourceClass<Args, O> {
  const { module, type, outputs, secretInputs = [], secretOutputs = [] } = spec;
  class DynamicResource extends pulumi.dynamic.Resource {
    constructor(name: string, args: Args, opts?: pulumi.CustomResourceOptions) {
      const props: Props = { ...(args as Props) };
      for (const path of secretInputs) {
        const [key, ...rest] = path.split(".");
        props[key] = secretAtPath(props[key], rest);
      }
      for (const key of outputs) props[key] = undefined;
      // Only the shim is serialized into state: one name, no code of ours, no credential.
      super(packagedProvider(exportName), name, props, withSecretOutputs(opts, ...secretOutputs), module, type);
    }
  }
  return DynamicResource as unknown as DynamicResourceClass<Args, O>;
}
