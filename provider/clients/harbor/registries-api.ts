import { HarborHttp, pathSegment } from "./harbor-http";
import { Registry, RegistryCreate, RegistryPing, RegistryUpdate } from "./wire-types";

/** A name Harbor's `q=name=<value>` syntax reads literally. */
const QUERY_SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._@:/-]*$/;

export class RegistriesApi {
  constructor(private readonly http: HarborHttp) {}

  /** Harbor runs its health check first: an unreachable target or bad credentials is a 400. */
  create(registry: RegistryCreate): Promise<number> {
    return this.http.create("registries", registry);
  }

  async get(id: number): Promise<Registry> {
    return this.http.get<Registry>(`registries/${pathSegment(id)}`);
  }

  /**
   * Harbor's `q` splits on commas and reads `~`, `[`, `{`, `(` after `=` as operators, with no
   * escape: `q=name=a,b` would look for "a" and a key "b". Such a name is found by reading
   * every registry instead (an instance has a handful), so any name is matched exactly.
   */
  async findByName(name: string): Promise<Registry | undefined> {
    const query = QUERY_SAFE_NAME.test(name) ? { q: `name=${name}` } : {};
    const found = await this.http.list<Registry>("registries", query);
    return found.find((registry) => registry.name === name);
  }

  /** The flat RegistryUpdate body; fields left out keep their value. */
  async update(id: number, update: RegistryUpdate): Promise<void> {
    await this.http.request("PUT", `registries/${pathSegment(id)}`, { body: update });
  }

  /** The UI's "Test Connection". */
  async ping(target: RegistryPing): Promise<void> {
    await this.http.request("POST", "registries/ping", { body: target });
  }

  async delete(id: number): Promise<void> {
    await this.http.request("DELETE", `registries/${pathSegment(id)}`);
  }

  adapters(): Promise<string[]> {
    return this.http.get<string[]>("replication/adapters");
  }
}
