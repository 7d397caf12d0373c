import { randomBytes } from "node:crypto";
import type { ParamValue } from "./action-params";
import type { ActionTable } from "./product-api";

/**
 * Container Registry Enterprise Edition 2018-12-01: `GetAuthorizationToken`, the temporary
 * registry login. The quirk kept: failures come back as HTTP 200 with `IsSuccess: false`
 * and a `Code`. Logins really expire: `loginValid` is what a token server in front of a
 * real registry asks, so a copier that does not renew is refused.
 */

export const ACR_TEMP_USERNAME = "cr_temp_user";

export class AcrApi {
  private readonly instances = new Set<string>();
  private readonly logins = new Map<string, { instanceId: string; expiresAt: number }>();

  readonly actions: ActionTable = {
    GetAuthorizationToken: { params: { InstanceId: { kind: "string", required: true } }, run: (p) => this.getAuthorizationToken(p) },
  };

  constructor(private readonly tokenLifetimeMs: number) {}

  addInstance(instanceId: string): void {
    this.instances.add(instanceId);
  }

  loginValid(username: string, password: string): boolean {
    const login = this.logins.get(password);
    return username === ACR_TEMP_USERNAME && login !== undefined && Date.now() < login.expiresAt;
  }

  private getAuthorizationToken(p: Record<string, ParamValue>) {
    const instanceId = String(p.InstanceId);
    if (!this.instances.has(instanceId)) return { IsSuccess: false, Code: "INSTANCE_NOT_EXIST", Message: `instance ${instanceId} does not exist` };
    const token = randomBytes(24).toString("base64url");
    const expiresAt = Date.now() + this.tokenLifetimeMs;
    this.logins.set(token, { instanceId, expiresAt });
    return { IsSuccess: true, Code: "success", TempUsername: ACR_TEMP_USERNAME, AuthorizationToken: token, ExpireTime: expiresAt };
  }
}
