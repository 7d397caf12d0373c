import { AlicloudAccessKey } from "./alicloud-access-key";
import { alicloudSettings } from "./alicloud-settings";
import { AlicloudClient } from "./openapi-client";
import { endpointUrl } from "./alicloud-products";

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

const MAX_RENEWAL_LEAD_MS = 5 * 60_000;

export async function getAuthorizationToken(access: AcrInstanceAccess): Promise<TemporaryLogin> {
  const settings = alicloudSettings();
  const accessKey = access.accessKey ?? settings.accessKey;
  const client = AlicloudClient.fromSettings({ ...settings, accessKey, region: access.region });
  try {
    const endpoint = access.endpoint ? endpointUrl(access.endpoint) : client.endpoint("cr", access.region);
    const answer = await client.call<{ TempUsername?: string; AuthorizationToken?: string; ExpireTime?: number }>("cr", "GetAuthorizationToken", { InstanceId: access.instanceId }, endpoint);
    if (!answer.TempUsername || !answer.AuthorizationToken || !answer.ExpireTime) {
      throw new Error(`cr GetAuthorizationToken for ${access.instanceId}: the answer lacks TempUsername, AuthorizationToken or ExpireTime (RequestId ${answer.RequestId})`);
    }
    return { username: answer.TempUsername, password: answer.AuthorizationToken, expiresAt: Number(answer.ExpireTime) };
  } finally {
    await client.close();
  }
}

/** One instance's current login, fetched when first needed and renewed before it lapses. */
export class AcrLoginSource {
  private current?: { login: TemporaryLogin; renewAt: number };
  private pending?: Promise<TemporaryLogin>;

  constructor(
    private readonly access: AcrInstanceAccess,
    private readonly fetchLogin: (access: AcrInstanceAccess) => Promise<TemporaryLogin> = getAuthorizationToken,
  ) {}

  async login(): Promise<TemporaryLogin> {
    if (this.current && Date.now() < this.current.renewAt) return this.current.login;
    this.pending ??= this.fetch().finally(() => (this.pending = undefined));
    return this.pending;
  }

  /** Drops the login (the registry refused it), so the next request fetches another. */
  forget(): void {
    this.current = undefined;
  }

  private async fetch(): Promise<TemporaryLogin> {
    const obtainedAt = Date.now();
    const login = await this.fetchLogin(this.access);
    const lead = Math.min(MAX_RENEWAL_LEAD_MS, Math.max(0, (login.expiresAt - obtainedAt) / 4));
    this.current = { login, renewAt: login.expiresAt - lead };
    return login;
  }
}
