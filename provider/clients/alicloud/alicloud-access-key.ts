/** An AccessKey pair, or an STS triple, that signs Alibaba Cloud API requests. */
export interface AlicloudAccessKey {
  accessKeyId: string;
  accessKeySecret: string;
  /** An STS security token: sent as `x-acs-security-token`, signed with the temporary key. */
  securityToken?: string;
}

/** Safe to print: the key id's first and last characters only. */
export function describeAccessKey(key: Pick<AlicloudAccessKey, "accessKeyId">): string {
  const id = key.accessKeyId;
  return id.length <= 8 ? "AccessKey ****" : `AccessKey ${id.slice(0, 4)}****${id.slice(-3)}`;
}
