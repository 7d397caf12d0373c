import { authSecrets } from "../sync";
import { Redactor, secretRedactor } from "../validation";
import { FailoverRecordInputs, readinessJob } from "./failover-record-schema";

/**
 * One redactor for everything said about a failover record: it removes, in every form they
 * travel in, the readiness credentials (a registry or a proxy may echo them in an error) and
 * the DNS backend's own secret (TSIG secret, AccessKey secret and STS token, service-account key).
 */
export function recordRedactor(inputs: FailoverRecordInputs): Redactor {
  const readiness = authSecrets(readinessJob(inputs)?.auth);
  const client = inputs.clients ? inputs.clients.credential : undefined;
  return secretRedactor({
    secrets: [...readiness.secrets, ...dnsSecrets(inputs), ...(client ? [client.password] : [])],
    logins: [...readiness.logins, ...(client ? [client] : [])],
  });
}

function dnsSecrets(inputs: FailoverRecordInputs): readonly string[] {
  switch (inputs.backend) {
    case "rfc2136":
      return [inputs.rfc2136.tsig.secret];
    case "clouddns": {
      const key = inputs.google?.serviceAccountKey;
      // As an auth entry, so the key's PEM lines are removed too when an error quotes one alone.
      return key ? authSecrets({ dns: { google: { serviceAccountKey: key } } }).secrets : [];
    }
    case "privatezone":
    case "alidns":
      return [inputs.alicloud?.secretKey, inputs.alicloud?.securityToken].filter((secret): secret is string => !!secret);
  }
}
