import { HarborHttp } from "./harbor-http";
import { Registry, RegistryCreate, RegistryPing, RegistryUpdate } from "./wire-types";

export class RegistriesApi {
  constructor(private readonly http: HarborHttp) {}

  /** Harbor runs its health check first: an unreachable target or bad credentials is a 400. */
  create(registry: RegistryCreate): Promise<number> {
    return this.http.create("registries", registry);
  }

  get(id: number): Promise<Registry> {
    return this.http.get<Registry>(`registries/${id}`);
  }

  async findByName(name: string): Promise<Registry | undefined> {
    const found = await this.http.list<Registry>("registries", { q: `name=${name}` });
    return found.find((registry) => registry.name === name);
  }

  /** The flat RegistryUpdate body; fields left out keep their value. */
  async update(id: number, update: RegistryUpdate): Promise<void> {
    await this.http.request("PUT", `registries/${id}`, { body: update });
  }

  /** The UI's "Test Connection". */
  async ping(target: RegistryPing): Promise<void> {
    await this.http.request("POST", "registries/ping", { body: target });
  }

  async delete(id: number): Promise<void> {
    await this.http.request("DELETE", `registries/${id}`);
  }

  adapters(): Promise<string[]> {
    return this.http.get<string[]>("replication/adapters");
  }
}
