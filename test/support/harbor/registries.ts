import { checkHealth, Endpoint } from "./registry-reads";
import { StandInState, StoredRegistry } from "./stand-in-state";
import { badRequest, created, Handler, HarborFault, notFound, now, ok, paged, queryFilter } from "./stand-in-http";

/**
 * Registry endpoints. Create, update and ping really contact the target's /v2/ with the
 * credentials given (Harbor's health check). Secrets are masked on every read, the update
 * body is the flat RegistryUpdate, and an endpoint a policy uses cannot be deleted.
 */

export const ADAPTER_TYPES = [
  "harbor",
  "docker-hub",
  "docker-registry",
  "huawei-SWR",
  "google-gcr",
  "aws-ecr",
  "azure-acr",
  "ali-acr",
  "jfrog-artifactory",
  "quay",
  "gitlab",
  "dtr",
  "tencent-tcr",
  "github-ghcr",
  "volcengine-cr",
];
const MASK = "*****";

export function endpointOf(registry: Pick<StoredRegistry, "url" | "credential">): Endpoint {
  const { access_key, access_secret } = registry.credential;
  return { url: registry.url.replace(/\/+$/, ""), ...(access_key ? { creds: `${access_key}:${access_secret}` } : {}) };
}

export function registryHandlers(state: StandInState, basePath: string): Record<string, Handler> {
  const lookup = (id: string): StoredRegistry => state.registries.get(Number(id)) ?? notFound(`registry ${id}`);
  const masked = (registry: StoredRegistry) => ({
    ...registry,
    credential: { ...registry.credential, access_secret: registry.credential.access_secret ? MASK : "" },
  });
  const requireHealthy = async (registry: Pick<StoredRegistry, "url" | "credential">) => {
    const problem = await checkHealth(endpointOf(registry));
    if (problem) badRequest(`the registry is unhealthy: ${problem}`);
  };
  const requireUniqueName = (name: string, id?: number) => {
    if ([...state.registries.values()].some((registry) => registry.name === name && registry.id !== id))
      throw new HarborFault(409, `registry ${name} already exists`);
  };

  return {
    async createRegistry({ body }) {
      if (!body.name || body.name.length > 64) badRequest(`the registry name is required and may have at most 64 characters`);
      if (!ADAPTER_TYPES.includes(body.type)) badRequest(`adapter factory for ${body.type} not found`);
      if (!/^https?:\/\//.test(body.url ?? "")) badRequest(`invalid URL ${body.url}`);
      requireUniqueName(body.name);
      const credential = {
        type: body.credential?.type ?? "basic",
        access_key: body.credential?.access_key ?? "",
        access_secret: body.credential?.access_secret ?? "",
      };
      await requireHealthy({ url: body.url, credential });
      const id = state.nextId("registry");
      const time = now();
      state.registries.set(id, {
        id,
        name: body.name,
        description: body.description ?? "",
        type: body.type,
        url: body.url,
        insecure: body.insecure ?? false,
        credential,
        status: "healthy",
        creation_time: time,
        update_time: time,
      });
      return created(basePath, "registries", id);
    },

    listRegistries({ query }) {
      const matches = queryFilter(query, "name");
      return paged([...state.registries.values()].filter((registry) => !matches || matches(registry.name)).map(masked), query, `${basePath}/registries`);
    },

    getRegistry({ pathParams }) {
      return ok(masked(lookup(pathParams.id)));
    },

    async updateRegistry({ pathParams, body }) {
      const current = lookup(pathParams.id);
      const next: StoredRegistry = {
        ...current,
        name: body.name ?? current.name,
        description: body.description ?? current.description,
        url: body.url ?? current.url,
        insecure: body.insecure ?? current.insecure,
        credential: {
          type: body.credential_type ?? current.credential.type,
          access_key: body.access_key ?? current.credential.access_key,
          // The UI sends the mask back when the secret was not touched.
          access_secret: body.access_secret === undefined || body.access_secret === MASK ? current.credential.access_secret : body.access_secret,
        },
        update_time: now(),
      };
      requireUniqueName(next.name, current.id);
      await requireHealthy(next);
      state.registries.set(current.id, next);
      return ok();
    },

    async pingRegistry({ body }) {
      const stored = body.id === undefined ? undefined : lookup(String(body.id));
      const secret = body.access_secret === undefined || body.access_secret === MASK ? stored?.credential.access_secret : body.access_secret;
      const url = body.url ?? stored?.url;
      if (!url) badRequest(`the URL of the registry is required`);
      if (body.type !== undefined && !ADAPTER_TYPES.includes(body.type)) badRequest(`adapter factory for ${body.type} not found`);
      await requireHealthy({
        url,
        credential: { type: "basic", access_key: body.access_key ?? stored?.credential.access_key ?? "", access_secret: secret ?? "" },
      });
      return ok();
    },

    deleteRegistry({ pathParams }) {
      const registry = lookup(pathParams.id);
      const users = [...state.policies.values()].filter((policy) => policy.srcRegistryId === registry.id || policy.destRegistryId === registry.id);
      if (users.length > 0)
        throw new HarborFault(
          412,
          `the registry ${registry.id} is referenced by replication policies (${users.map((p) => p.name).join(", ")}), cannot delete it`,
        );
      state.registries.delete(registry.id);
      return ok();
    },

    listRegistryProviderTypes() {
      return ok(ADAPTER_TYPES);
    },
  };
}
