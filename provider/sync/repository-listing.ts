import { withHarbor } from "../clients/harbor/harbor-client";
import type { HostRoutes } from "../clients/http";
import { RegistryClient, RegistryError, checkListedRepository } from "../clients/oci";
import { RegistryCredential } from "./registry-credentials";

/**
 * The repositories a whole-project rule chooses from: the registry's catalog (`/v2/_catalog`,
 * page by page), or, where the catalog is refused (Harbor lists it to system administrators
 * only), the project's repositories from Harbor's API with the same username and password.
 */

const REFUSED = new Set([401, 403, 404]);

/** `credential`: the one `client` logs in with; `routes`: the trust its registry is reached with, which Harbor's API on the same host needs too. */
export async function listRepositoriesUnder(client: RegistryClient, prefix: string, credential: RegistryCredential, routes?: HostRoutes): Promise<string[]> {
  try {
    return await client.listRepositories();
  } catch (error) {
    if (!(error instanceof RegistryError) || !REFUSED.has(error.status ?? 0)) throw error;
    return harborRepositories(client, prefix, credential, error, routes);
  }
}

async function harborRepositories(
  client: RegistryClient,
  prefix: string,
  credential: RegistryCredential,
  refusal: RegistryError,
  routes: HostRoutes | undefined,
): Promise<string[]> {
  const project = prefix.split("/")[0];
  if (!project || credential.kind !== "basic") {
    throw new RegistryError(
      `${client.host} refused its catalog (${refusal.message}); a Harbor lists a project's repositories through its API instead, which needs the project named in the source (registry/project/**) and a username and password in auth`,
      { host: client.host, status: refusal.status, retryable: false },
    );
  }
  try {
    const names = await withHarbor(
      { url: await client.origin(), username: credential.username, password: credential.password, insecure: client.insecure },
      (harbor) => harbor.projects.repositoryNames(project),
      { routes },
    );
    return names.map((name) => checkListedRepository(name, client.host)).sort();
  } catch (error) {
    throw new RegistryError(
      `${client.host} refused its catalog (${refusal.message}), and Harbor's API did not list the repositories of project ${project} either: ${(error as Error).message}`,
      { host: client.host, retryable: false },
    );
  }
}
