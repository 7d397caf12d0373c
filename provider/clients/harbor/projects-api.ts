import { isHarborStatus } from "./harbor-errors";
import { HarborHttp, pathSegment } from "./harbor-http";
import { Project, ProjectCreate, Quota } from "./wire-types";

/** Projects are addressed by name: `X-Is-Resource-Name` tells Harbor the path holds one. */
const BY_NAME = { "x-is-resource-name": "true" };

export class ProjectsApi {
  constructor(private readonly http: HarborHttp) {}

  create(project: ProjectCreate): Promise<number> {
    return this.http.create("projects", project);
  }

  async get(name: string): Promise<Project> {
    return this.http.get<Project>(`projects/${pathSegment(name)}`, undefined, BY_NAME);
  }

  async exists(name: string): Promise<boolean> {
    try {
      await this.http.request("HEAD", "projects", { query: { project_name: name } });
      return true;
    } catch (error) {
      if (isHarborStatus(error, 404)) return false;
      throw error;
    }
  }

  /** The names (`project/repo...`) of a project's repositories, every page. */
  async repositoryNames(project: string): Promise<string[]> {
    const repositories = await this.http.list<{ name?: unknown }>(`projects/${pathSegment(project)}/repositories`);
    return repositories.map((repository) => repository.name).filter((name): name is string => typeof name === "string");
  }

  async setPublic(name: string, isPublic: boolean): Promise<void> {
    await this.http.request("PUT", `projects/${pathSegment(name)}`, { body: { metadata: { public: String(isPublic) } }, headers: BY_NAME });
  }

  async delete(name: string): Promise<void> {
    await this.http.request("DELETE", `projects/${pathSegment(name)}`, { headers: BY_NAME });
  }

  /** A project's storage limit lives in its quota, not in the project. */
  async quota(projectId: number): Promise<Quota | undefined> {
    const quotas = await this.http.get<Quota[]>("quotas", { reference: "project", reference_id: String(projectId) });
    return quotas[0];
  }

  async setStorageLimit(projectId: number, bytes: number): Promise<void> {
    const quota = await this.quota(projectId);
    if (!quota) throw new Error(`${this.http.host}: project ${projectId} has no quota to set its storage limit on`);
    await this.http.request("PUT", `quotas/${pathSegment(quota.id)}`, { body: { hard: { storage: bytes } } });
  }
}
