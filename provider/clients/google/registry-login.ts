import type { LoginSource } from "../oci";
import { GoogleAccessTokens, SCOPES } from "./access-tokens";
import { parseServiceAccountKey } from "./service-account-key";

/**
 * Artifact Registry (and gcr.io) logins from a service-account key: the user
 * `oauth2accesstoken` with a fresh access token as password, as `gcloud auth
 * configure-docker` does. Tokens last an hour; they are renewed before they lapse however long
 * a copy runs, and one the registry refuses is dropped so the next login mints another.
 */

export const GOOGLE_REGISTRY_USER = "oauth2accesstoken";

export class GoogleRegistryLogin implements LoginSource {
  private readonly tokens: GoogleAccessTokens;

  /** `keyText`: the key's JSON (or its base64), already checked by the auth schema. */
  constructor(keyText: string) {
    this.tokens = new GoogleAccessTokens(parseServiceAccountKey(keyText), [SCOPES.cloudPlatform]);
  }

  get clientEmail(): string {
    return this.tokens.clientEmail;
  }

  get description(): string {
    return `an access token of service account ${this.tokens.clientEmail}`;
  }

  async login(): Promise<{ username: string; password: string; expiresAt: number }> {
    const token = await this.tokens.token();
    return { username: GOOGLE_REGISTRY_USER, password: token.token, expiresAt: token.expiresAt };
  }

  /** The registry refused the token: the next login mints another. */
  invalidate(): void {
    this.tokens.forget();
  }

  /** Closes the token endpoint's connections. */
  close(): Promise<void> {
    return this.tokens.close();
  }
}
