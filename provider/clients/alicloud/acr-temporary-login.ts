import { AlicloudAccessKey } from "./alicloud-access-key";
import { alicloudSettings } from "./alicloud-settings";
import { AlicloudClient } from "./openapi-client";
import { endpointUrl } from "./alicloud-products";
import type { LoginSource } from "../oci";
import { RenewedCredential } from "../renewed-credential";

/**
 * ACR Enterprise Edition registry logins from a RAM AccessKey: `GetAuthorizationToken`
 * returns a temporary user and password that last about an hour (as long as the STS token
 * with STS keys). A long copy outlives that, so the login is renewed ahead of expiry: a
 * quarter of its lifetime ahead, at most five minutes.
 */

/** The registry side of an ACR instance: which instance, where, and with which key. */
export interface AcrInstanceAccess {
  instanceId: string;
  region: string;
  /** Default: the `alicloud:*` stack config, then the ALICLOUD_* environment. */
  accessKey?: AlicloudAccessKey;
  /** The Container Registry API endpoint; default: `alicloud:endpoints` `cr`, then cr.<region>.aliyuncs.com. */
  endpoint?: string;
}

export interface TemporaryLogin {
  username: string;
  password: string;
  expiresAt: number;
}

/** ACR issues logins for about an hour; anything beyond a few days is a unit mix-up or a hostile answer. */
const MAX_LOGIN_LIFETIME_MS = 7 * 86_400_000;

export async function getAuthorizationToken(access: AcrInstanceAccess): Promise<TemporaryLogin> {
  const settings = alicloudSettings();
  const accessKey = access.accessKey ?? settings.accessKey;
  const client = AlicloudClient.fromSettings({ ...settings, accessKey, region: access.region });
  try {
    const endpoint = access.endpoint ? endpointUrl(access.endpoint) : client.endpoint("cr", access.region);
    const answer = await client.call<{ TempUsername?: unknown; AuthorizationToken?: unknown; ExpireTime?: unknown }>(
      "cr",
      "GetAuthorizationToken",
      { InstanceId: access.instanceId },
      endpoint,
    );
    return temporaryLoginFrom(answer, `cr GetAuthorizationToken for ${access.instanceId}`);
  } finally {
    await client.close();
  }
}

/**
 * The login in ACR's answer, checked before it is used: the user name and token go into a
 * Basic `Authorization` header (no colon in the user, no control characters in either) and
 * the expiry decides when to renew (a time in milliseconds, not already past, not years away).
 * Messages never quote the token.
 */
export function temporaryLoginFrom(
  answer: { TempUsername?: unknown; AuthorizationToken?: unknown; ExpireTime?: unknown; RequestId?: string },
  where: string,
  now = Date.now(),
): TemporaryLogin {
  const requestId = answer.RequestId ? ` (RequestId ${answer.RequestId})` : "";
  const { TempUsername: username, AuthorizationToken: password, ExpireTime: expireTime } = answer;
  if (typeof username !== "string" || !/^[^\s:\x00-\x1f\x7f]{1,256}$/.test(username)) {
    throw new Error(
      `${where}: the answer's TempUsername is ${username === undefined ? "missing" : `not a user name (${JSON.stringify(String(username).slice(0, 40))})`}; expected up to 256 printable characters without ":"${requestId}`,
    );
  }
  if (typeof password !== "string" || !/^[^\s\x00-\x1f\x7f]{1,8192}$/.test(password)) {
    throw new Error(
      `${where}: the answer's AuthorizationToken is ${password === undefined ? "missing" : "not a token"}; expected up to 8192 printable characters${requestId}`,
    );
  }
  const expiresAt = typeof expireTime === "string" && /^[0-9]{1,16}$/.test(expireTime) ? Number(expireTime) : expireTime;
  if (typeof expiresAt !== "number" || !Number.isSafeInteger(expiresAt) || expiresAt <= now || expiresAt > now + MAX_LOGIN_LIFETIME_MS) {
    throw new Error(
      `${where}: the answer's ExpireTime is ${expireTime === undefined ? "missing" : JSON.stringify(expireTime)}; expected a time in milliseconds within the next ${MAX_LOGIN_LIFETIME_MS / 86_400_000} days${requestId}`,
    );
  }
  return { username, password, expiresAt };
}

/** One instance's registry login, fetched when first needed and renewed before it lapses. */
export class AcrLoginSource implements LoginSource {
  readonly description: string;
  private readonly renewed: RenewedCredential<TemporaryLogin>;

  constructor(access: AcrInstanceAccess, fetchLogin: (access: AcrInstanceAccess) => Promise<TemporaryLogin> = getAuthorizationToken) {
    this.description = `an ACR temporary login for instance ${access.instanceId}`;
    this.renewed = new RenewedCredential(() => fetchLogin(access));
  }

  login(): Promise<TemporaryLogin> {
    return this.renewed.get();
  }

  /** Drops the login (the registry refused it), so the next request fetches another. */
  invalidate(): void {
    this.renewed.forget();
  }
}
