import { CertificatePair, TestCa, makeLeafCert } from "./certs";
import { RegistryServer, startRegistry } from "./registry-server";

/**
 * A registry serving TLS with a certificate from a test CA for chosen names, on its own
 * loopback address: several sites share one port, so only the address (what DNS would hand
 * out) decides who serves a name.
 */
export interface TlsSiteOptions {
  address: string;
  port: number;
  /** The DNS names its certificate covers (the address is not among them unless listed in `ips`). */
  names: string[];
  ips?: string[];
  users?: Record<string, string>;
  /** Require client certificates from this CA. */
  clientCa?: string;
  probeClient?: CertificatePair;
}

export async function startTlsSite(dir: string, ca: TestCa, options: TlsSiteOptions): Promise<RegistryServer> {
  const certificate = await makeLeafCert(dir, ca, {
    commonName: `${options.names[0] ?? options.address}-${options.address}`,
    dnsNames: options.names,
    ipAddresses: options.ips,
  });
  return startRegistry({
    address: options.address,
    port: options.port,
    certificate,
    ...(options.users ? { auth: { kind: "htpasswd", users: options.users } } : {}),
    ...(options.clientCa ? { clientCa: options.clientCa, probeClient: options.probeClient } : {}),
  });
}
