import { AcrLoginSource } from "../alicloud/acr-temporary-login";
import { GoogleRegistryLogin } from "../google/registry-login";
import { Challenge, parseChallenges, preferredChallenge } from "./auth-challenge";
import { RegistryCredential, describeCredential } from "./credentials";
import { AuthError, RegistryError } from "./errors";
import { InvalidAnswerError, quoteAnswer } from "./registry-answers";
import { RepositoryScope, formatScope, scopeKey } from "./scope";
import { HttpTransport } from "./transport";

/**
 * Turns a credential into `Authorization` headers for one registry host.
 *
 * The host's challenge is learnt once (from `GET /v2/` or the first 401). Bearer tokens
 * are cached per scope set until shortly before they expire, and concurrent requests for
 * the same scope share one token request, so a sync of a hundred tags asks the token
 * server once per repository, not once per request.
 */

interface CachedToken {
  value: string;
  expiresAt: number;
}

/** Renew this long before expiry, so a token never lapses between check and use. */
const EXPIRY_MARGIN_MS = 10_000;
const DEFAULT_TOKEN_LIFETIME_S = 60;
/** Who asks, in OAuth2 token requests (the spec requires a client_id). */
const OAUTH_CLIENT_ID = "registry-dr";

export class Authenticator {
  private challenge?: Challenge;
  private readonly tokens = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<CachedToken>>();
  /** Logins that lapse and are renewed: ACR temporary logins, Google access tokens. */
  private readonly renewedLogins?: { login(): Promise<{ username: string; password: string }>; forget(): void; close?(): Promise<void> };

  constructor(
    private readonly host: string,
    private readonly credential: RegistryCredential,
    private readonly transport: HttpTransport,
    private readonly insecure: boolean,
  ) {
    if (credential.kind === "alicloud") this.renewedLogins = new AcrLoginSource(credential);
    if (credential.kind === "google") this.renewedLogins = new GoogleRegistryLogin(credential.serviceAccountKey);
  }

  /** Closes what logins hold open (a token endpoint's connections); the registry transport is not ours. */
  async close(): Promise<void> {
    await this.renewedLogins?.close?.();
  }

  /** Records the challenge a registry sent with a 401. */
  learnChallenge(header: string | string[] | undefined): void {
    const challenge = preferredChallenge(parseChallenges(header));
    if (challenge) this.challenge = challenge;
  }

  /** Whether a retry could carry credentials the registry asked for. */
  get canAnswerChallenge(): boolean {
    if (!this.challenge) return false;
    // An identity token meeting Basic is answered too: with the error saying why it cannot be used.
    return this.challenge.scheme === "bearer" || this.credential.kind === "basic" || this.credential.kind === "identity-token" || this.renewedLogins !== undefined;
  }

  /** The header for a request needing these scopes; undefined when the registry is open. */
  async authorization(scopes: RepositoryScope[]): Promise<string | undefined> {
    if (this.credential.kind === "token") return `Bearer ${this.credential.token}`;
    const challenge = this.challenge;
    if (!challenge) return undefined;
    if (challenge.scheme === "basic") {
      if (this.credential.kind === "identity-token") throw this.basicOnly();
      const login = await this.login();
      return login ? basicHeader(login.username, login.password) : undefined;
    }
    return `Bearer ${(await this.token(challenge, scopes)).value}`;
  }

  /** The user and password to present, if the credential has them; ACR's and Google's are fetched and renewed. */
  private async login(): Promise<{ username: string; password: string } | undefined> {
    if (this.credential.kind === "basic") return this.credential;
    return this.renewedLogins?.login();
  }

  /** An identity token is only ever sent to a token realm: a Basic-only registry has none. (Worded so the redactor, which blanks the word after "Basic" or "Bearer", leaves it readable.) */
  private basicOnly(): AuthError {
    return new AuthError(
      `${this.host}: the registry takes only username/password logins (its challenge is Basic, with no token realm), and an identityToken is only exchanged at a token realm (OAuth2 refresh_token grant): give username and password for this registry instead`,
      { host: this.host, status: 401 },
    );
  }

  /** Forgets the token for these scopes, so the next request fetches a fresh one. */
  invalidate(scopes: RepositoryScope[]): void {
    this.tokens.delete(scopeKey(scopes));
  }

  private token(challenge: Challenge, scopes: RepositoryScope[]): Promise<CachedToken> {
    const key = scopeKey(scopes);
    const cached = this.tokens.get(key);
    if (cached && cached.expiresAt - EXPIRY_MARGIN_MS > Date.now()) return Promise.resolve(cached);
    let pending = this.pending.get(key);
    if (!pending) {
      pending = this.fetchToken(challenge, scopes)
        .then((token) => {
          this.tokens.set(key, token);
          return token;
        })
        .finally(() => this.pending.delete(key));
      this.pending.set(key, pending);
    }
    return pending;
  }

  private async fetchToken(challenge: Challenge, scopes: RepositoryScope[]): Promise<CachedToken> {
    const realm = checkRealm(challenge.params.realm, this.host, this.insecure);
    const started = Date.now();
    const response = this.credential.kind === "identity-token" ? await this.refreshTokenGrant(realm, challenge, scopes, this.credential.identityToken) : await this.tokenGet(realm, challenge, scopes);
    const text = await response.body.text();
    // An OAuth2 server answers a refused refresh token with 400 invalid_grant (RFC 6749, 5.2).
    const refused = response.status === 401 || response.status === 403 || (this.credential.kind === "identity-token" && response.status === 400);
    if (refused) {
      this.renewedLogins?.forget();
      const hint = this.credential.kind === "identity-token" ? "check the identityToken for this registry (it may have expired or been revoked)" : "check the username and password for this registry";
      throw new AuthError(`${this.host}: token server ${realm.host} rejected ${describeCredential(this.credential)} (HTTP ${response.status}): ${hint}`, {
        host: this.host,
        status: response.status,
      });
    }
    if (response.status !== 200) {
      throw new RegistryError(`${this.host}: token server ${realm.host} answered HTTP ${response.status}`, {
        host: this.host,
        status: response.status,
        retryable: response.status >= 500 || response.status === 429,
      });
    }
    let body: { token?: string; access_token?: string; expires_in?: number };
    try {
      body = JSON.parse(text);
    } catch {
      throw new RegistryError(`${this.host}: token server ${realm.host} sent a body that is not JSON`, { host: this.host });
    }
    const value = body.token ?? body.access_token;
    if (!value) throw new RegistryError(`${this.host}: token server ${realm.host} sent no token`, { host: this.host });
    const lifetimeS = typeof body.expires_in === "number" && body.expires_in > 0 ? body.expires_in : DEFAULT_TOKEN_LIFETIME_S;
    return { value, expiresAt: started + lifetimeS * 1000 };
  }

  /** distribution's token request: GET, with Basic credentials when there are any. */
  private async tokenGet(realm: URL, challenge: Challenge, scopes: RepositoryScope[]) {
    if (challenge.params.service) realm.searchParams.set("service", challenge.params.service);
    for (const scope of scopes) realm.searchParams.append("scope", formatScope(scope));
    const headers: Record<string, string> = {};
    const login = await this.login();
    if (login) {
      realm.searchParams.set("account", login.username);
      headers.authorization = basicHeader(login.username, login.password);
    }
    return this.transport.send({ method: "GET", url: realm, headers, kind: "token", insecure: this.insecure });
  }

  /**
   * distribution's OAuth2 token request (docs/spec/auth/oauth.md), as docker and containers/image
   * send an identity token: a form POST, so the refresh token stays out of URLs and access logs.
   */
  private refreshTokenGrant(realm: URL, challenge: Challenge, scopes: RepositoryScope[], identityToken: string) {
    const form = new URLSearchParams({ grant_type: "refresh_token", refresh_token: identityToken, client_id: OAUTH_CLIENT_ID });
    if (challenge.params.service) form.set("service", challenge.params.service);
    if (scopes.length > 0) form.set("scope", scopes.map(formatScope).join(" "));
    const headers = { "content-type": "application/x-www-form-urlencoded", accept: "application/json" };
    return this.transport.send({ method: "POST", url: realm, headers, body: form.toString(), kind: "token", insecure: this.insecure });
  }
}

/** Where to send credentials is the registry's answer too: an http(s) URL, and plain http only for an insecure registry. */
function checkRealm(raw: string | undefined, host: string, insecure: boolean): URL {
  let realm: URL | undefined;
  try {
    realm = raw === undefined ? undefined : new URL(raw);
  } catch {
    realm = undefined;
  }
  if (!realm || !(realm.protocol === "https:" || (insecure && realm.protocol === "http:")) || realm.username || realm.password) {
    throw new InvalidAnswerError(`invalid token realm ${quoteAnswer(raw)} from ${host}: expected an https URL${insecure ? " (or http for this insecure registry)" : ""}`, { host });
  }
  return realm;
}

function basicHeader(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
}
