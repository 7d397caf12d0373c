import type { AcrInstanceAccess } from "../alicloud/acr-temporary-login";

/**
 * Registry credentials are data, resolved when a request needs them: nothing here holds a
 * connection or a cached secret, so a credential can travel through config files and
 * Pulumi inputs and be turned into headers only inside a run.
 */
export type RegistryCredential =
  | { kind: "anonymous" }
  | { kind: "basic"; username: string; password: string }
  /** A registry token used as-is (`Authorization: Bearer`). */
  | { kind: "token"; token: string }
  /** An OAuth2 refresh token (docker's `identitytoken`): exchanged at the registry's bearer realm for access tokens. */
  | { kind: "identity-token"; identityToken: string }
  /** An ACR Enterprise instance: a RAM key exchanged for temporary logins (GetAuthorizationToken), renewed as they lapse. */
  | ({ kind: "alicloud" } & AcrInstanceAccess)
  /** Google Artifact Registry: a service-account key exchanged for access tokens (user oauth2accesstoken), renewed as they lapse. */
  | { kind: "google"; serviceAccountKey: string; clientEmail: string };

export const ANONYMOUS: RegistryCredential = { kind: "anonymous" };

/** Safe to print: says who, never the secret. */
export function describeCredential(credential: RegistryCredential): string {
  switch (credential.kind) {
    case "anonymous":
      return "anonymous";
    case "basic":
      return `user "${credential.username}"`;
    case "token":
      return "a bearer token";
    case "identity-token":
      return "an identity token";
    case "alicloud":
      return `an ACR temporary login for instance ${credential.instanceId}`;
    case "google":
      return `an access token of service account ${credential.clientEmail}`;
  }
}
