import { readFileSync } from "node:fs";

/**
 * Where a Google resource's project, key and endpoint come from, first match wins:
 *   1. what the resource names itself (its `google` input, a secret),
 *   2. the stack config @pulumi/gcp reads (`gcp:project`, `gcp:credentials`), remembered by a
 *      provider's `configure()`,
 *   3. the key's own `project_id` (for the project).
 * `gcp:credentials` is, as for @pulumi/gcp, the key's JSON text or the path of the key file.
 */

export const GCP_CONFIG_KEYS = { project: "gcp:project", credentials: "gcp:credentials" } as const;

export const DEFAULT_CLOUD_DNS_ENDPOINT = "https://dns.googleapis.com/dns/v1/";

export interface GoogleCredentialsInput {
  project?: string;
  /** The service-account key's JSON text (or its base64). */
  serviceAccountKey?: string;
  /** The Cloud DNS API base; default https://dns.googleapis.com/dns/v1/. */
  endpoint?: string;
}

/** Stack config from `configure()`; lives in the loaded provider module, never in the serialized shim. */
let stackConfig: { project?: string; credentials?: string } = {};

export function rememberGoogleConfig(config: { get(key: string): unknown }): void {
  const text = (key: string) => {
    const value = config.get(key);
    return typeof value === "string" && value !== "" ? value : undefined;
  };
  stackConfig = { project: text(GCP_CONFIG_KEYS.project), credentials: text(GCP_CONFIG_KEYS.credentials) };
}

/** The input merged with stack config; the key is the text itself (a key file named in config is read here). */
export function googleSettings(input: GoogleCredentialsInput = {}): GoogleCredentialsInput {
  return {
    project: input.project ?? stackConfig.project,
    serviceAccountKey: input.serviceAccountKey ?? keyFromConfig(stackConfig.credentials),
    endpoint: input.endpoint,
  };
}

function keyFromConfig(credentials: string | undefined): string | undefined {
  if (credentials === undefined || credentials.trim().startsWith("{")) return credentials;
  try {
    return readFileSync(credentials, "utf8");
  } catch (error) {
    throw new Error(
      `${GCP_CONFIG_KEYS.credentials}: expected a service-account key's JSON text or the path of its file; cannot read ${JSON.stringify(credentials.slice(0, 200))}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}

/** What to tell a user who has given no key. */
export const MISSING_GOOGLE_KEY = `no Google service-account key: give the resource a \`google: {project, serviceAccountKey}\` input, or set ${GCP_CONFIG_KEYS.credentials} (--secret: the key's JSON or its file's path) and ${GCP_CONFIG_KEYS.project} in stack config`;
