/**
 * How a registry client logs in, whoever issues the login. The client asks its source for the
 * current login whenever it needs one (to answer a Basic challenge, or to fetch a token from
 * the registry's token realm) and tells it when the registry refused it; where a login comes
 * from (a config file, a cloud's temporary logins, a token minted from a key) is the source's
 * business, as in go-containerregistry's `authn.Authenticator`. Vendor logins implement this
 * interface in their own client packages; this package knows none of them.
 */

/** What a registry is shown. */
export type Login =
  /** Sent as Basic credentials, and as the account at a token realm. */
  | { username: string; password: string }
  /** An OAuth2 refresh token (docker's `identitytoken`), exchanged at the registry's token realm for access tokens. */
  | { identityToken: string }
  /** A registry token sent as-is (`Authorization: Bearer`), with or without a challenge. */
  | { registryToken: string };

export interface LoginSource {
  /** Who logs in, safe to print (it goes into error messages): never the secret. */
  readonly description: string;
  /**
   * The login to present now. A source whose logins lapse renews them before they do (the
   * client asks again for every Basic request and every token fetch, and never keeps a login
   * itself), and concurrent calls should share one renewal.
   */
  login(): Promise<Login>;
  /** The registry or its token server refused the current login: drop it, so the next `login()` fetches a fresh one. */
  invalidate?(): void;
  /** Releases what the source holds open (a token endpoint's connections); called when its client closes. */
  close?(): Promise<void>;
}

/** A fixed user and password. */
export function basicLogin(username: string, password: string): LoginSource {
  const login = { username, password };
  return { description: `user "${username}"`, login: async () => login };
}

/** A fixed registry token, sent as `Authorization: Bearer`. */
export function registryTokenLogin(registryToken: string): LoginSource {
  const login = { registryToken };
  return { description: "a bearer token", login: async () => login };
}

/** A fixed OAuth2 refresh token, exchanged at the registry's token realm. */
export function identityTokenLogin(identityToken: string): LoginSource {
  const login = { identityToken };
  return { description: "an identity token", login: async () => login };
}
