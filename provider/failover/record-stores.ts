import { AlidnsRecords, AlicloudClient, PrivateZoneRecords, alicloudSettings } from "../clients/alicloud";
import { Rfc2136Records } from "../clients/dns";
import {
  CloudDns,
  CloudDnsRecords,
  DEFAULT_CLOUD_DNS_ENDPOINT,
  GoogleAccessTokens,
  GoogleApi,
  MISSING_GOOGLE_KEY,
  SCOPES,
  googleSettings,
  parseServiceAccountKey,
} from "../clients/google";
import { RecordStore } from "../clients/record-store";
import { CloudDnsSettings, FailoverRecordPlacement, MISSING_GOOGLE_PROJECT, cloudDnsProject, rfc2136Servers } from "./failover-record-schema";

/**
 * The record store of a failover record's backend, bound to its zone, open while `work` runs:
 * its connections are closed when it ends, whichever way.
 */
export async function withRecordStore<T>(record: FailoverRecordPlacement, work: (store: RecordStore) => Promise<T>): Promise<T> {
  switch (record.backend) {
    case "rfc2136":
      return work(new Rfc2136Records(record.zone, { servers: rfc2136Servers(record.rfc2136), key: record.rfc2136.tsig, transport: record.rfc2136.transport }));
    case "clouddns":
      return withCloudDnsStore(record.zone, record.google, work);
    case "privatezone":
    case "alidns": {
      const client = AlicloudClient.fromSettings(alicloudSettings(record.alicloud));
      try {
        return await work(record.backend === "privatezone" ? new PrivateZoneRecords(client, record.zone) : new AlidnsRecords(client, record.zone));
      } finally {
        await client.close();
      }
    }
  }
}

async function withCloudDnsStore<T>(zone: string, google: CloudDnsSettings | undefined, work: (store: RecordStore) => Promise<T>): Promise<T> {
  const settings = googleSettings(google);
  const project = cloudDnsProject(google);
  if (!settings.serviceAccountKey) throw new Error(MISSING_GOOGLE_KEY);
  if (!project) throw new Error(MISSING_GOOGLE_PROJECT);
  const tokens = new GoogleAccessTokens(parseServiceAccountKey(settings.serviceAccountKey, "google.serviceAccountKey"), [SCOPES.cloudDns]);
  const api = new GoogleApi(new URL(settings.endpoint ?? DEFAULT_CLOUD_DNS_ENDPOINT), tokens);
  try {
    return await work(new CloudDnsRecords(new CloudDns(api, project), zone, project));
  } finally {
    await Promise.all([api.close(), tokens.close()]);
  }
}
