import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { HarborConnection } from "../../clients/harbor";
import { trustShape } from "../../sync/config-schema";
import { TrustFields, trustOf } from "../../sync/registry-trust";
import { ConfigError } from "../../validation";

/**
 * How a Harbor resource finds Harbor: its own `harbor` input (password a secret input,
 * kept as a secret output so refresh and destroy can still reach Harbor), or else the
 * stack config read in `configure()`:
 *
 *   pulumi config set registry-dr:harborUrl https://harbor.example.com
 *   pulumi config set registry-dr:harborUsername admin
 *   pulumi config set --secret registry-dr:harborPassword ...
 *   pulumi config set registry-dr:harborCaFile ./harbor-ca.pem   # a private CA; optional
 *   pulumi config set registry-dr:harborInsecure true             # optional
 *
 * A private Harbor's internal CA is trusted with `caFile` (or `ca`, PEM text), never by
 * turning verification off. Config reaches the provider host at run time and is never
 * serialized with the provider.
 */

export const HARBOR_CONFIG_KEYS = {
  url: "registry-dr:harborUrl",
  username: "registry-dr:harborUsername",
  password: "registry-dr:harborPassword",
  insecure: "registry-dr:harborInsecure",
  caFile: "registry-dr:harborCaFile",
  ca: "registry-dr:harborCa",
  certFile: "registry-dr:harborCertFile",
  keyFile: "registry-dr:harborKeyFile",
} as const;

const REQUIRED_KEYS = ["url", "username", "password"] as const;
const TRUST_KEYS = ["caFile", "ca", "certFile", "keyFile"] as const;

export const harborConnectionSchema = () =>
  z.strictObject({
    url: z
      .string({ error: "expected Harbor's URL, such as https://harbor.example.com" })
      .regex(/^https?:\/\/[^/\s]+\/?$/, { error: "expected Harbor's base URL, such as https://harbor.example.com (scheme and host, no path)" }),
    username: z.string({ error: "expected a Harbor user or robot name" }).min(1, { error: "expected a Harbor user or robot name" }),
    password: z.string({ error: "expected the password or robot secret" }).min(1, { error: "expected the password or robot secret" }),
    insecure: z.boolean({ error: "expected true or false" }).optional(),
    ...trustShape(),
  });

/** The Pulumi-facing shape of the `harbor` input. */
export interface HarborConnectionArgs {
  url: pulumi.Input<string>;
  username: pulumi.Input<string>;
  /** Wrapped as a secret by every Harbor resource. */
  password: pulumi.Input<string>;
  insecure?: pulumi.Input<boolean>;
  /** A PEM file with Harbor's CA certificate(s) (a private Harbor's internal CA), read by the provider. */
  caFile?: pulumi.Input<string>;
  /** Harbor's CA certificate(s) as PEM text. */
  ca?: pulumi.Input<string>;
  /** A client certificate (PEM file) for a Harbor behind a proxy that asks for one, with `keyFile`. */
  certFile?: pulumi.Input<string>;
  keyFile?: pulumi.Input<string>;
  cert?: pulumi.Input<string>;
  /** The client certificate's PEM private key; a secret like the whole `harbor` input. */
  key?: pulumi.Input<string>;
}

type ConnectionInput = z.infer<ReturnType<typeof harborConnectionSchema>>;

/**
 * The connection from stack config, remembered by `configure()`. It lives in the loaded
 * provider module (never in the serialized shim), once per provider host process.
 */
let configured: Partial<ConnectionInput> = {};

export function rememberHarborConfig(config: { get(key: string): string | undefined }): void {
  const insecure = config.get(HARBOR_CONFIG_KEYS.insecure);
  configured = {
    url: config.get(HARBOR_CONFIG_KEYS.url),
    username: config.get(HARBOR_CONFIG_KEYS.username),
    password: config.get(HARBOR_CONFIG_KEYS.password),
    insecure: insecure === undefined ? undefined : insecure === "true",
    ...Object.fromEntries(TRUST_KEYS.map((key) => [key, config.get(HARBOR_CONFIG_KEYS[key]) || undefined]).filter(([, value]) => value !== undefined)),
  };
}

/** Why no connection can be made, or undefined when one can (for `check`). */
export function missingHarborConnection(input: unknown): string | undefined {
  if (input !== undefined) return undefined;
  const missing = REQUIRED_KEYS.filter((key) => !configured[key]).map((key) => HARBOR_CONFIG_KEYS[key]);
  if (missing.length === 0) return undefined;
  return `no Harbor connection: give the resource a \`harbor\` input ({url, username, password}), or set ${missing.join(", ")} in stack config (the password with --secret)`;
}

/**
 * The problems of the connection's trust files and PEM text (`harbor.caFile: cannot read ...`),
 * checked in `check` so a wrong path fails the preview, not the update. Key text is never quoted.
 */
export function harborTrustProblems(input: unknown): { property: string; reason: string }[] {
  const fromConfig = input === undefined;
  const fields = (fromConfig ? configured : input) as TrustFields | undefined;
  if (!fields || typeof fields !== "object") return [];
  try {
    trustOf(fields, ["harbor"]);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues.map((issue) => {
      const field = String(issue.path[issue.path.length - 1]);
      return fromConfig
        ? { property: "harbor", reason: `${HARBOR_CONFIG_KEYS[field as (typeof TRUST_KEYS)[number]] ?? field} (stack config): ${issue.message}` }
        : { property: `harbor.${field}`, reason: issue.message };
    });
  }
}

/** The resource's own connection if it has one, else the stack config's; its CA and client certificate read now. */
export function resolveHarborConnection(input: ConnectionInput | undefined): HarborConnection {
  const given = input ?? configured;
  if (!input) {
    const problem = missingHarborConnection(undefined);
    if (problem) throw new Error(problem);
  }
  const problems = harborTrustProblems(input);
  if (problems.length) throw new Error(problems.map((problem) => `${problem.property}: ${problem.reason}`).join("; "));
  const trust = trustOf(given, ["harbor"]);
  const { url, username, password, insecure } = given as ConnectionInput;
  return { url, username, password, ...(insecure === undefined ? {} : { insecure }), ...(trust ? { trust } : {}) };
}

/**
 * The connection for refresh and destroy, given the one stored with the resource. Neither
 * runs the program, and the engine hands a dynamic provider's read and delete only the
 * outputs in state, which hold the credentials of the last create or update (a rotated
 * password alone is no update). The stack config is read at every run: when it names the
 * same Harbor, its account and password are the current ones and win over the stored.
 */
export function currentHarborConnection(stored: ConnectionInput | undefined): HarborConnection {
  // Resolved as a create would: the stored CA and client certificate become the connection's trust.
  const connection = resolveHarborConnection(stored);
  if (!stored) return connection;
  const { url, username, password } = configured;
  if (!url || !username || !password || baseUrl(url) !== baseUrl(stored.url)) return connection;
  return { ...connection, username, password };
}

/**
 * What names a Harbor in a connection, for diff: its URL (spelled one way) and TLS setting.
 * The account and password only say how to log in: rotating them changes no Harbor object.
 * Anything else (absent, not known yet) is returned as it is.
 */
export function harborIdentity(connection: unknown): unknown {
  const { url, insecure } = (connection ?? {}) as Partial<HarborConnection>;
  return typeof url === "string" ? { url: baseUrl(url), insecure: insecure === true } : connection;
}

function baseUrl(url: string): string {
  return url.replace(/\/+$/, "").toLowerCase();
}
