import { createHash } from "node:crypto";
import { rootCertificates } from "node:tls";

/**
 * How to reach one host: which CAs to trust besides the system store, which client
 * certificate to present (mTLS), and optionally which address to connect to while the TLS
 * server name and `Host` stay the name (curl's `--resolve`: a failover name checked against
 * the site it will point to before DNS does).
 */

export interface TlsTrust {
  /** PEM CA certificates trusted for this host, on top of the system store. */
  ca?: readonly string[];
  /** PEM client certificate (chain) presented when the server asks for one. */
  cert?: string;
  /** PEM private key of `cert`. A secret: it never leaves this process. */
  key?: string;
}

export interface HostRoute {
  trust?: TlsTrust;
  /** Connect here (an IP or a host name) instead of resolving the request's host name. */
  address?: string;
}

/** Routes by `host[:port]` as a URL writes it (no port for https on 443). */
export type HostRoutes = Readonly<Record<string, HostRoute>>;

/** The route for a URL: its `host` as written, or `hostname:443` for https on the default port. */
export function routeFor(routes: HostRoutes | undefined, url: URL): HostRoute | undefined {
  if (!routes) return undefined;
  const exact = routes[url.host.toLowerCase()];
  if (exact || url.port !== "") return exact;
  return routes[`${url.hostname.toLowerCase()}:${url.protocol === "https:" ? 443 : 80}`];
}

/** Routes from two sources: CAs add up, a client certificate and an address from `over` win. */
export function mergeRoutes(base: HostRoutes | undefined, over: HostRoutes | undefined): HostRoutes {
  const merged: Record<string, HostRoute> = {};
  for (const [host, route] of [...Object.entries(base ?? {}), ...Object.entries(over ?? {})]) {
    const key = host.toLowerCase();
    const earlier = merged[key];
    merged[key] = earlier ? mergeRoute(earlier, route) : route;
  }
  return merged;
}

function mergeRoute(earlier: HostRoute, route: HostRoute): HostRoute {
  const ca = [...(earlier.trust?.ca ?? []), ...(route.trust?.ca ?? [])];
  const client = route.trust?.cert ? route.trust : earlier.trust;
  const trust: TlsTrust = { ...(ca.length ? { ca } : {}), ...(client?.cert ? { cert: client.cert, key: client.key } : {}) };
  return { ...(Object.keys(trust).length ? { trust } : {}), ...((route.address ?? earlier.address) ? { address: route.address ?? earlier.address } : {}) };
}

/** The Node TLS options of a route: its CAs added to the system store (as docker's certs.d does), its client certificate. */
export function tlsOptionsOf(trust: TlsTrust | undefined): { ca?: string[]; cert?: string; key?: string } {
  return {
    ...(trust?.ca?.length ? { ca: [...rootCertificates, ...trust.ca] } : {}),
    ...(trust?.cert ? { cert: trust.cert, key: trust.key } : {}),
  };
}

/** Agents are keyed by what they connect with; the key holds a digest, never the key material. */
export function connectionKey(insecure: boolean, route: HostRoute | undefined): string {
  if (!route) return insecure ? "insecure" : "verified";
  const digest = createHash("sha256")
    .update(JSON.stringify([route.trust?.ca, route.trust?.cert, route.trust?.key, route.address]))
    .digest("hex");
  return `${insecure ? "insecure" : "verified"}:${digest}`;
}
