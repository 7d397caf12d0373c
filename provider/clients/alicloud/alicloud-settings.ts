import { AlicloudAccessKey } from "./alicloud-access-key";
import { AlicloudProduct } from "./alicloud-products";

/**
 * Where Alibaba Cloud credentials, region and endpoints come from, first match wins:
 *   1. what a resource or auth entry names itself (a secret input, a CLI auth file),
 *   2. the stack config @pulumi/alicloud reads, remembered by a provider's `configure()`,
 *   3. the ALICLOUD_* environment variables (the CLI, CI jobs).
 * The key pair travels as a unit: a secret is never matched with another source's id.
 */

export const ALICLOUD_CONFIG_KEYS = {
  accessKey: "alicloud:accessKey",
  secretKey: "alicloud:secretKey",
  securityToken: "alicloud:securityToken",
  region: "alicloud:region",
  endpoints: "alicloud:endpoints",
} as const;

export const ALICLOUD_ENV_KEYS = {
  accessKey: "ALICLOUD_ACCESS_KEY",
  secretKey: "ALICLOUD_SECRET_KEY",
  securityToken: "ALICLOUD_SECURITY_TOKEN",
  region: "ALICLOUD_REGION",
} as const;

/** Named like the stack config keys, so an input and `pulumi config` read alike. */
export interface AlicloudCredentialsInput {
  accessKey?: string;
  secretKey?: string;
  securityToken?: string;
  region?: string;
}

export interface AlicloudSettings {
  accessKey?: AlicloudAccessKey;
  region?: string;
  /** Per-product endpoint overrides ("host" or "http(s)://host:port"). */
  endpoints: Partial<Record<AlicloudProduct, string>>;
}

interface RememberedConfig extends AlicloudCredentialsInput {
  endpoints?: Partial<Record<AlicloudProduct, string>>;
}

/** Stack config from `configure()`; lives in the loaded provider module, never in the serialized shim. */
let stackConfig: RememberedConfig = {};

export function rememberAlicloudConfig(config: { get(key: string): unknown }): void {
  const text = (key: string) => {
    const value = config.get(key);
    return typeof value === "string" && value !== "" ? value : undefined;
  };
  stackConfig = {
    accessKey: text(ALICLOUD_CONFIG_KEYS.accessKey),
    secretKey: text(ALICLOUD_CONFIG_KEYS.secretKey),
    securityToken: text(ALICLOUD_CONFIG_KEYS.securityToken),
    region: text(ALICLOUD_CONFIG_KEYS.region),
    endpoints: parseEndpointsConfig(config.get(ALICLOUD_CONFIG_KEYS.endpoints)),
  };
}

export function alicloudSettings(input: AlicloudCredentialsInput = {}, env: NodeJS.ProcessEnv = process.env): AlicloudSettings {
  const fromEnv: AlicloudCredentialsInput = {
    accessKey: env[ALICLOUD_ENV_KEYS.accessKey],
    secretKey: env[ALICLOUD_ENV_KEYS.secretKey],
    securityToken: env[ALICLOUD_ENV_KEYS.securityToken],
    region: env[ALICLOUD_ENV_KEYS.region],
  };
  const sources = [input, stackConfig, fromEnv];
  const withKey = sources.find((source) => source.accessKey && source.secretKey);
  return {
    accessKey: withKey && {
      accessKeyId: withKey.accessKey!,
      accessKeySecret: withKey.secretKey!,
      ...(withKey.securityToken ? { securityToken: withKey.securityToken } : {}),
    },
    region: sources.map((source) => source.region).find(Boolean),
    endpoints: stackConfig.endpoints ?? {},
  };
}

/** What to tell a user who has given no key. */
export const MISSING_ALICLOUD_KEY = `no Alibaba Cloud AccessKey: give the resource an \`alicloud\` input, or set ${ALICLOUD_CONFIG_KEYS.accessKey} and ${ALICLOUD_CONFIG_KEYS.secretKey} (--secret) in stack config, or ${ALICLOUD_ENV_KEYS.accessKey} and ${ALICLOUD_ENV_KEYS.secretKey} in the environment`;

/**
 * `alicloud:endpoints` as @pulumi/alicloud takes it: a list of objects keyed by product
 * (`[{"pvtz": "pvtz.aliyuncs.com"}, {"cr": "..."}]`), which the engine hands over as JSON text.
 */
export function parseEndpointsConfig(value: unknown): Partial<Record<AlicloudProduct, string>> {
  if (value === undefined || value === "") return {};
  let parsed = value;
  if (typeof value === "string") {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new Error(
        `${ALICLOUD_CONFIG_KEYS.endpoints}: expected a list of objects keyed by product, such as [{"pvtz": "pvtz.aliyuncs.com"}]; got text that is not JSON`,
      );
    }
  }
  const entries = Array.isArray(parsed) ? parsed : [parsed];
  const endpoints: Partial<Record<AlicloudProduct, string>> = {};
  for (const entry of entries) {
    if (!entry || typeof entry !== "object")
      throw new Error(`${ALICLOUD_CONFIG_KEYS.endpoints}: expected a list of objects keyed by product, such as [{"pvtz": "pvtz.aliyuncs.com"}]`);
    for (const [product, endpoint] of Object.entries(entry as Record<string, unknown>)) {
      if ((product === "pvtz" || product === "alidns" || product === "cr") && typeof endpoint === "string" && endpoint !== "") endpoints[product] = endpoint;
    }
  }
  return endpoints;
}
