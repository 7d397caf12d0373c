import { HostRoutes, mergeRoutes } from "../clients/http";
import { HttpTransport, RegistryClient, RepositoryName, TransportOptions, apiHost } from "../clients/oci";
import { ANONYMOUS_CREDENTIAL, AccessMap, RegistryCredential, accessKeyFor } from "./registry-credentials";
import { registryClientFor } from "./registry-logins";

/**
 * One client per (registry, credential) for a run, all sharing one transport, so
 * connection pools, tokens and scheme detection are reused across every image.
 */
export class RegistryPool {
  readonly transport: HttpTransport;
  /** Trust per host: the run's (`--cert-dir`) and the auth entries'; a Harbor's API on the same host takes it too. */
  readonly routes: HostRoutes;
  private readonly clients = new Map<string, RegistryClient>();

  constructor(
    private readonly access: AccessMap,
    transportOptions: TransportOptions = {},
    private readonly tagPageSize?: number,
  ) {
    this.routes = mergeRoutes(transportOptions.routes, trustRoutes(access));
    this.transport = new HttpTransport({ ...transportOptions, routes: this.routes });
  }

  client(name: RepositoryName): RegistryClient {
    const key = accessKeyFor(this.access, name);
    const id = `${name.registry}\u0000${key ?? ""}`;
    let client = this.clients.get(id);
    if (!client) {
      client = registryClientFor(apiHost(name.registry), key ? this.access[key] : undefined, this.transport, { tagPageSize: this.tagPageSize });
      this.clients.set(id, client);
    }
    return client;
  }

  /** The credential a repository's client logs in with (a Harbor's API takes the same username and password). */
  credential(name: RepositoryName): RegistryCredential {
    const key = accessKeyFor(this.access, name);
    return (key ? this.access[key]?.credential : undefined) ?? ANONYMOUS_CREDENTIAL;
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((client) => client.close()));
    await this.transport.close();
  }
}

/** The auth entries' CAs and client certificates, by registry API host (an entry for `host/namespace` counts for its host). */
export function trustRoutes(access: AccessMap): HostRoutes {
  let routes: HostRoutes = {};
  for (const [key, entry] of Object.entries(access)) {
    if (entry.trust) routes = mergeRoutes(routes, { [apiHost(key.split("/")[0])]: { trust: entry.trust } });
  }
  return routes;
}
