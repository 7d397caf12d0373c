import { CertificatePair, TestCa, makeLeafCert, makeTestCa } from "./certs";
import { pushSmallImage } from "./fixtures";
import { freePort } from "./free-port";
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

export interface FailoverSites {
  ca: TestCa;
  port: number;
  /** Serves `name` at 127.0.0.2 and holds library/app:1.0. */
  primary: RegistryServer;
  /** Serves `name` at 127.0.0.3, holding library/app:1.0 at the primary's path: ready. */
  good: RegistryServer;
  /** Serves `name` at 127.0.0.5, holding the image only as dr/app:1.0: clients would get 404. */
  renamed: RegistryServer;
  digest: string;
  addresses: { primary: string; good: string; renamed: string };
  stop(): Promise<void>;
}

/** Three sites for a failover name, each behind basic auth with `users`, one port on three loopback addresses. */
export async function startFailoverSites(dir: string, name: string, users: Record<string, string>): Promise<FailoverSites> {
  const ca = await makeTestCa(dir);
  const addresses = { primary: "127.0.0.2", good: "127.0.0.3", renamed: "127.0.0.5" };
  const port = await freePort(addresses.primary);
  const [primary, good, renamed] = await Promise.all(
    [addresses.primary, addresses.good, addresses.renamed].map((address) => startTlsSite(dir, ca, { address, port, names: [name], users })),
  );
  const [user, password] = Object.entries(users)[0];
  const creds = `${user}:${password}`;
  const digest = (await pushSmallImage(primary, "library/app:1.0", creds)).digest;
  await Promise.all([pushSmallImage(good, "library/app:1.0", creds), pushSmallImage(renamed, "dr/app:1.0", creds)]);
  return {
    ca,
    port,
    primary,
    good,
    renamed,
    digest,
    addresses,
    stop: async () => void (await Promise.all([primary, good, renamed].map((site) => site.stop()))),
  };
}
