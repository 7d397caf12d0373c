import { randomBytes, createVerify } from "node:crypto";
import type { StandInServiceAccount } from "./service-accounts";

/**
 * Google's OAuth token endpoint for the JWT-bearer grant, as strict as Google: the assertion
 * must be an RS256 JWT signed by a known service account's key, with `iss` its e-mail, `aud`
 * this endpoint's URL, a scope, `iat` not in the future, `exp` after now and at most an hour
 * after `iat`. Answers and errors are shaped as Google's (`invalid_grant`, `invalid_scope`).
 */

export interface MintedToken {
  email: string;
  scopes: string[];
  expiresAt: number;
}

export interface TokenAnswer {
  status: number;
  body: Record<string, unknown>;
}

const SKEW_S = 60;

export class TokenEndpoint {
  readonly tokens = new Map<string, MintedToken>();
  /** Every grant asked for, accepted or not: tests count renewals with it. */
  readonly grants: { email?: string; accepted: boolean; error?: string }[] = [];

  constructor(
    private readonly accounts: () => StandInServiceAccount[],
    private readonly url: () => string,
    private readonly lifetimeS: () => number,
  ) {}

  grant(form: URLSearchParams): TokenAnswer {
    const refuse = (error: string, description: string, email?: string): TokenAnswer => {
      this.grants.push({ email, accepted: false, error: description });
      return { status: 400, body: { error, error_description: description } };
    };
    if (form.get("grant_type") !== "urn:ietf:params:oauth:grant-type:jwt-bearer") return refuse("unsupported_grant_type", "Invalid grant_type");
    const parts = (form.get("assertion") ?? "").split(".");
    if (parts.length !== 3) return refuse("invalid_request", "Invalid JWT: Token must be a short-lived token and in a reasonable timeframe");
    const [header, claims] = parts.slice(0, 2).map((part) => {
      try {
        return JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;
      } catch {
        return undefined;
      }
    });
    if (!header || !claims) return refuse("invalid_request", "Invalid JWT: not JSON");
    const account = this.accounts().find((candidate) => candidate.email === claims.iss);
    if (header.alg !== "RS256" || !account) return refuse("invalid_grant", "Invalid JWT Signature.", String(claims.iss));
    const signatureOk = createVerify("RSA-SHA256").update(`${parts[0]}.${parts[1]}`).verify(account.publicKey, Buffer.from(parts[2], "base64url"));
    if (!signatureOk) return refuse("invalid_grant", "Invalid JWT Signature.", account.email);
    const now = Math.floor(Date.now() / 1000);
    const iat = Number(claims.iat);
    const exp = Number(claims.exp);
    if (claims.aud !== this.url()) return refuse("invalid_grant", `Invalid JWT: aud must be ${this.url()}`, account.email);
    if (!Number.isInteger(iat) || !Number.isInteger(exp) || iat > now + SKEW_S || exp <= now || exp - iat > 3600) {
      return refuse(
        "invalid_grant",
        "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.",
        account.email,
      );
    }
    const scopes = typeof claims.scope === "string" ? claims.scope.split(" ").filter(Boolean) : [];
    if (scopes.length === 0) return refuse("invalid_scope", "Invalid oauth scope or ID token audience provided.", account.email);
    const token = `ya29.stand-in.${randomBytes(24).toString("base64url")}`;
    const lifetime = this.lifetimeS();
    this.tokens.set(token, { email: account.email, scopes, expiresAt: Date.now() + lifetime * 1000 });
    this.grants.push({ email: account.email, accepted: true });
    return { status: 200, body: { access_token: token, expires_in: lifetime, token_type: "Bearer" } };
  }

  /** The live token behind an Authorization header, if it carries one of `scopes`. */
  check(authorization: string | undefined, scopes: readonly string[]): MintedToken | "expired" | undefined {
    const token = /^Bearer (\S+)$/.exec(authorization ?? "")?.[1];
    const minted = token ? this.tokens.get(token) : undefined;
    if (!minted?.scopes.some((scope) => scopes.includes(scope))) return undefined;
    return minted.expiresAt < Date.now() ? "expired" : minted;
  }
}
