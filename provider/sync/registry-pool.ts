import { HttpTransport, RegistryClient, RepositoryName, TransportOptions, apiHost } from "../clients/oci";
import { AccessMap, accessKeyFor } from "./registry-credentials";

/**
 * One client per (registry, credential) for a run, all sharing one transport, so
 * connection pools, tokens and scheme detection are reused across every image.
 */
export class RegistryPool {
  readonly transport: HttpTransport;
  private readonly clients = new Map<string, RegistryClient>();

  constructor(
    private readonly access: AccessMap,
    transportOptions: TransportOptions = {},
    private readonly tagPageSize?: number,
  ) {
    this.transport = new HttpTransport(transportOptions);
  }

  client(name: RepositoryName): RegistryClient {
    const key = accessKeyFor(this.access, name);
    const id = `${name.registry}\u0000${key ?? ""}`;
    let client = this.clients.get(id);
    if (!client) {
      const entry = key ? this.access[key] : undefined;
      client = new RegistryClient({ host: apiHost(name.registry), credential: entry?.credential, insecure: entry?.insecure, transport: this.transport, tagPageSize: this.tagPageSize });
      this.clients.set(id, client);
    }
    return client;
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((client) => client.close()));
    await this.transport.close();
  }
}
