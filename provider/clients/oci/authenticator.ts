import { Challenge, parseChallenges, preferredChallenge } from "./auth-challenge";
import { AuthError, RegistryError } from "./errors";
import { Login, LoginSource } from "./login-source";
import { InvalidAnswerError, quoteAnswer } from "./registry-answers";
import { RepositoryScope, formatScope, scopeKey } from "./scope";
import { exchangeToken, tokenLifetimeS } from "../http";
import { HttpRequest, HttpTransport } from "./transport";

/**
 * Turns a login source into `Authorization` headers for one registry host.
 *
 * The host's challenge is learnt once (from `GET /v2/` or the first 401). Bearer tokens
 * are cached per scope set until shortly before they expire, and concurrent requests for
 * the same scope share one token request, so a sync of a hundred tags asks the token
 * server once per repository, not once per request. The login itself is asked of its source
 * each time one is needed: renewing it is the source's business.
 */

interface CachedToken {
  value: string;
  /** When to ask for another: before it expires, by EXPIRY_MARGIN_MS or a quarter of its lifetime, whichever is shorter. */
  renewAt: number;
}

/** A header and whether it carries the login itself (Basic, a registry token) rather than a token the realm issued for it. */
export interface Presented {
  header: string;
  login: boolean;
}

/** Renew this long before expiry (a quarter of a shorter lifetime), so a token never lapses between check and use. */
const EXPIRY_MARGIN_MS = 10_000;
/** The Docker token spec's default when `expires_in` is missing; a short one given is raised to a floor (tokenLifetimeS). */
const DEFAULT_TOKEN_LIFETIME_S = 60;
/** Who asks, in OAuth2 token requests (the spec requires a client_id). */
const OAUTH_CLIENT_ID = "registry-dr";

export class Authenticator {
  private challenge?: Challenge;
  private readonly tokens = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<CachedToken>>();

  constructor(
    private readonly host: string,
    /** Undefined: anonymous. */
    private readonly source: LoginSource | undefined,
    private readonly transport: HttpTransport,
    private readonly insecure: boolean,
  ) {}

  /** Closes what the login source holds open (a token endpoint's connections); the registry transport is not ours. */
  async close(): Promise<void> {
    await this.source?.close?.();
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
    return this.challenge.scheme === "bearer" || this.source !== undefined;
  }

  /**
   * The header for a request needing these scopes; undefined when the registry is open (or
   * has not said how it wants to be asked, and the login is no registry token to send anyway).
   */
  async authorization(scopes: RepositoryScope[]): Promise<Presented | undefined> {
    const challenge = this.challenge;
    if (challenge?.scheme === "bearer") {
      const cached = this.cachedToken(scopes);
      if (cached) return { header: `Bearer ${cached.value}`, login: false };
    }
    // Asked before any challenge too: a registry token goes with the first request, saving a 401 round trip.
    const login = await this.source?.login();
    if (login && "registryToken" in login) return { header: `Bearer ${login.registryToken}`, login: true };
    if (!challenge) return undefined;
    if (challenge.scheme === "basic") {
      if (!login) return undefined;
      if ("identityToken" in login) throw this.basicOnly();
      return { header: basicHeader(login.username, login.password), login: true };
    }
    return { header: `Bearer ${(await this.token(challenge, scopes, login)).value}`, login: false };
  }

  /**
   * A request carrying `presented` was answered 401: the token for these scopes is forgotten,
   * and a login the registry refused is dropped at its source, so the retry gets a fresh one.
   */
  refused(scopes: RepositoryScope[], presented: Presented | undefined): void {
    this.tokens.delete(scopeKey(scopes));
    if (presented?.login) this.source?.invalidate?.();
  }

  /** An identity token is only ever sent to a token realm: a Basic-only registry has none. (Worded so the redactor, which blanks the word after "Basic" or "Bearer", leaves it readable.) */
  private basicOnly(): AuthError {
    return new AuthError(
      `${this.host}: the registry takes only username/password logins (its challenge is Basic, with no token realm), and an identityToken is only exchanged at a token realm (OAuth2 refresh_token grant): give username and password for this registry instead`,
      { host: this.host, status: 401 },
    );
  }

  private cachedToken(scopes: RepositoryScope[]): CachedToken | undefined {
    const cached = this.tokens.get(scopeKey(scopes));
    return cached && cached.renewAt > Date.now() ? cached : undefined;
  }

  private token(challenge: Challenge, scopes: RepositoryScope[], login: Login | undefined): Promise<CachedToken> {
    const cached = this.cachedToken(scopes);
    if (cached) return Promise.resolve(cached);
    const key = scopeKey(scopes);
    let pending = this.pending.get(key);
    if (!pending) {
      pending = this.fetchToken(challenge, scopes, login)
        .then((token) => {
          this.tokens.set(key, token);
          return token;
        })
        .finally(() => this.pending.delete(key));
      this.pending.set(key, pending);
    }
    return pending;
  }

  private async fetchToken(challenge: Challenge, scopes: RepositoryScope[], login: Login | undefined): Promise<CachedToken> {
    const realm = checkRealm(challenge.params.realm, this.host, this.insecure);
    const started = Date.now();
    const identity = login && "identityToken" in login ? login.identityToken : undefined;
    const account = login && "username" in login ? login : undefined;
    const request = identity !== undefined ? this.refreshTokenGrant(realm, challenge, scopes, identity) : this.tokenGet(realm, challenge, scopes, account);
    const response = await exchangeToken(
      (attempt) => this.transport.send(attempt),
      request,
      (message, details) => new RegistryError(`${this.host}: token server ${message}`, { ...details, host: this.host }),
    );
    const text = response.text;
    // An OAuth2 server answers a refused refresh token with 400 invalid_grant (RFC 6749, 5.2).
    const refused = response.status === 401 || response.status === 403 || (identity !== undefined && response.status === 400);
    if (refused) {
      this.source?.invalidate?.();
      const hint =
        identity !== undefined
          ? "check the identityToken for this registry (it may have expired or been revoked)"
          : "check the username and password for this registry";
      throw new AuthError(`${this.host}: token server ${realm.host} rejected ${this.source?.description ?? "anonymous"} (HTTP ${response.status}): ${hint}`, {
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
    const lifetimeMs = (typeof body.expires_in === "number" && body.expires_in > 0 ? tokenLifetimeS(body.expires_in) : DEFAULT_TOKEN_LIFETIME_S) * 1000;
    return { value, renewAt: started + lifetimeMs - Math.min(EXPIRY_MARGIN_MS, lifetimeMs / 4) };
  }

  /** distribution's token request: GET, with Basic credentials when there are any. */
  private tokenGet(realm: URL, challenge: Challenge, scopes: RepositoryScope[], login: { username: string; password: string } | undefined): HttpRequest {
    if (challenge.params.service) realm.searchParams.set("service", challenge.params.service);
    for (const scope of scopes) realm.searchParams.append("scope", formatScope(scope));
    const headers: Record<string, string> = {};
    if (login) {
      realm.searchParams.set("account", login.username);
      headers.authorization = basicHeader(login.username, login.password);
    }
    return { method: "GET", url: realm, headers, kind: "token", insecure: this.insecure };
  }

  /**
   * distribution's OAuth2 token request (docs/spec/auth/oauth.md), as docker and containers/image
   * send an identity token: a form POST, so the refresh token stays out of URLs and access logs.
   */
  private refreshTokenGrant(realm: URL, challenge: Challenge, scopes: RepositoryScope[], identityToken: string): HttpRequest {
    const form = new URLSearchParams({ grant_type: "refresh_token", refresh_token: identityToken, client_id: OAUTH_CLIENT_ID });
    if (challenge.params.service) form.set("service", challenge.params.service);
    if (scopes.length > 0) form.set("scope", scopes.map(formatScope).join(" "));
    const headers = { "content-type": "application/x-www-form-urlencoded", accept: "application/json" };
    return { method: "POST", url: realm, headers, body: form.toString(), kind: "token", insecure: this.insecure };
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
    throw new InvalidAnswerError(
      `invalid token realm ${quoteAnswer(raw)} from ${host}: expected an https URL${insecure ? " (or http for this insecure registry)" : ""}`,
      { host },
    );
  }
  return realm;
}

function basicHeader(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
}
