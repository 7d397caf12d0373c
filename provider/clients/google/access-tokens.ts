import { HttpClient, exchangeToken, headerValue, tokenLifetimeS } from "../http";
import { RenewedCredential } from "../renewed-credential";
import { describeGoogleError, GoogleApiError } from "./google-errors";
import { jwtAssertion } from "./jwt-assertion";
import type { ServiceAccountKey } from "./service-account-key";

/**
 * OAuth 2.0 access tokens for a service account, by the JWT-bearer grant POSTed to the key's
 * own `token_uri`. A token is fetched when first needed, shared by everyone waiting for it, and
 * renewed a quarter of its lifetime before it lapses (at most five minutes ahead), however long
 * the work runs. The exchange is bounded (answer size, a total deadline, a floor on the lifetime
 * taken): see exchangeToken. Written on node:crypto rather than google-auth-library: that library mints
 * from a fixed Google URL (ignoring the key's `token_uri`) and brings about 12 MB of packages.
 */

export const SCOPES = {
  cloudPlatform: "https://www.googleapis.com/auth/cloud-platform",
  cloudDns: "https://www.googleapis.com/auth/ndev.clouddns.readwrite",
} as const;

export interface AccessToken {
  token: string;
  expiresAt: number;
}

/** What a token may look like before it goes into an Authorization header. */
const TOKEN_GRAMMAR = /^[\x21-\x7e]{1,4096}$/;

export class GoogleAccessTokens {
  private readonly renewed = new RenewedCredential(() => this.mint());
  /** Tokens minted so far (tests and progress lines read it). */
  minted = 0;

  constructor(
    private readonly key: ServiceAccountKey,
    private readonly scopes: readonly string[],
    private readonly http: HttpClient = new HttpClient({ connectionsPerOrigin: 2 }),
  ) {}

  get clientEmail(): string {
    return this.key.clientEmail;
  }

  token(): Promise<AccessToken> {
    return this.renewed.get();
  }

  /** Drops the token (a server refused it), so the next call mints another. */
  forget(): void {
    this.renewed.forget();
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private async mint(): Promise<AccessToken> {
    const obtainedAt = Date.now();
    const url = this.key.tokenUri;
    const body = new URLSearchParams({
      grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer",
      assertion: jwtAssertion(this.key, this.scopes, Math.floor(obtainedAt / 1000)),
    }).toString();
    const call = `POST ${url.pathname} (token for ${this.key.clientEmail})`;
    const response = await exchangeToken(
      (request) => this.http.send(request),
      { method: "POST", url, kind: "oauth.token", body, headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" } },
      (message, details) => new GoogleApiError(message, details),
    );
    if (response.status !== 200) {
      const problem = describeGoogleError(response.status, response.text);
      throw new GoogleApiError(`${url.host}: ${call}: ${response.status}${problem.code ? ` ${problem.code}` : ""}: ${problem.message}`, {
        host: url.host,
        call,
        status: response.status,
        code: problem.code,
        requestId: headerValue(response.headers, "x-request-id"),
      });
    }
    const token = this.readToken(response.text, url.host, call, obtainedAt);
    this.minted++;
    return token;
  }

  private readToken(text: string, host: string, call: string, obtainedAt: number): AccessToken {
    let answer: { access_token?: unknown; expires_in?: unknown; token_type?: unknown } = {};
    try {
      answer = JSON.parse(text);
    } catch {
      // reported below
    }
    const expiresIn = Number(answer.expires_in);
    if (typeof answer.access_token !== "string" || !TOKEN_GRAMMAR.test(answer.access_token) || !(expiresIn > 0 && expiresIn <= 86_400)) {
      throw new GoogleApiError(`${host}: ${call}: the answer is not an access token with expires_in in seconds`, { host, call, status: 200 });
    }
    return { token: answer.access_token, expiresAt: obtainedAt + tokenLifetimeS(expiresIn) * 1000 };
  }
}
