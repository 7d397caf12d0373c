import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { HarborConnection } from "../../clients/harbor";

/**
 * How a Harbor resource finds Harbor: its own `harbor` input (password a secret input,
 * kept as a secret output so refresh and destroy can still reach Harbor), or else the
 * stack config read in `configure()`:
 *
 *   pulumi config set registry-dr:harborUrl https://harbor.example.com
 *   pulumi config set registry-dr:harborUsername admin
 *   pulumi config set --secret registry-dr:harborPassword ...
 *   pulumi config set registry-dr:harborInsecure true      # optional
 *
 * Config reaches the provider host at run time and is never serialized with the provider.
 */

export const HARBOR_CONFIG_KEYS = {
  url: "registry-dr:harborUrl",
  username: "registry-dr:harborUsername",
  password: "registry-dr:harborPassword",
  insecure: "registry-dr:harborInsecure",
} as const;

export const harborConnectionSchema = () =>
  z.strictObject({
    url: z
      .string({ error: "expected Harbor's URL, such as https://harbor.example.com" })
      .regex(/^https?:\/\/[^/\s]+\/?$/, { error: "expected Harbor's base URL, such as https://harbor.example.com (scheme and host, no path)" }),
    username: z.string({ error: "expected a Harbor user or robot name" }).min(1, { error: "expected a Harbor user or robot name" }),
    password: z.string({ error: "expected the password or robot secret" }).min(1, { error: "expected the password or robot secret" }),
    insecure: z.boolean({ error: "expected true or false" }).optional(),
  });

/** The Pulumi-facing shape of the `harbor` input. */
export interface HarborConnectionArgs {
  url: pulumi.Input<string>;
  username: pulumi.Input<string>;
  /** Wrapped as a secret by every Harbor resource. */
  password: pulumi.Input<string>;
  insecure?: pulumi.Input<boolean>;
}

/**
 * The connection from stack config, remembered by `configure()`. It lives in the loaded
 * provider module (never in the serialized shim), once per provider host process.
 */
let configured: Partial<HarborConnection> = {};

export function rememberHarborConfig(config: { get(key: string): string | undefined }): void {
  const insecure = config.get(HARBOR_CONFIG_KEYS.insecure);
  configured = {
    url: config.get(HARBOR_CONFIG_KEYS.url),
    username: config.get(HARBOR_CONFIG_KEYS.username),
    password: config.get(HARBOR_CONFIG_KEYS.password),
    insecure: insecure === undefined ? undefined : insecure === "true",
  };
}

/** Why no connection can be made, or undefined when one can (for `check`). */
export function missingHarborConnection(input: unknown): string | undefined {
  if (input !== undefined) return undefined;
  const missing = (Object.keys(HARBOR_CONFIG_KEYS) as (keyof typeof HARBOR_CONFIG_KEYS)[])
    .filter((key) => key !== "insecure" && !configured[key])
    .map((key) => HARBOR_CONFIG_KEYS[key]);
  if (missing.length === 0) return undefined;
  return `no Harbor connection: give the resource a \`harbor\` input ({url, username, password}), or set ${missing.join(", ")} in stack config (the password with --secret)`;
}

/** The resource's own connection if it has one, else the stack config's. */
export function resolveHarborConnection(input: HarborConnection | undefined): HarborConnection {
  if (input) return input;
  const problem = missingHarborConnection(undefined);
  if (problem) throw new Error(problem);
  return configured as HarborConnection;
}

/**
 * The connection for refresh and destroy, given the one stored with the resource. Neither
 * runs the program, and the engine hands a dynamic provider's read and delete only the
 * outputs in state, which hold the credentials of the last create or update (a rotated
 * password alone is no update). The stack config is read at every run: when it names the
 * same Harbor, its account and password are the current ones and win over the stored.
 */
export function currentHarborConnection(stored: HarborConnection | undefined): HarborConnection {
  if (!stored) return resolveHarborConnection(undefined);
  const { url, username, password } = configured;
  if (!url || !username || !password || baseUrl(url) !== baseUrl(stored.url)) return stored;
  return { ...stored, username, password };
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
