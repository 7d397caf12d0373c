import { listRepositories } from "./registry-reads";
import { StandInState, StoredProject } from "./stand-in-state";
import { badRequest, created, Handler, HandlerContext, HarborFault, notFound, ok, paged, queryFilter, now } from "./stand-in-http";

/**
 * Projects and their quotas. A project's repositories are whatever its real registry holds
 * under `<project>/`, so repo_count and the 412 on delete reflect pushed images.
 */

const PROJECT_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

export function projectHandlers(state: StandInState, basePath: string, registryUrl: string): Record<string, Handler> {
  const repoCount = async (name: string) => (await listRepositories({ url: registryUrl })).filter((repo) => repo.startsWith(`${name}/`)).length;

  const describe = async (project: StoredProject) => ({
    project_id: project.project_id,
    name: project.name,
    owner_id: 1,
    owner_name: "admin",
    creation_time: project.creation_time,
    update_time: project.creation_time,
    repo_count: await repoCount(project.name),
    metadata: { public: String(project.public) },
  });

  /** X-Is-Resource-Name: true, or a path value that is not a number, names the project. */
  const lookup = (context: HandlerContext): StoredProject => {
    const key = context.pathParams.project_name_or_id;
    const byName = context.headers["x-is-resource-name"] === "true" || !/^\d+$/.test(key);
    const project = byName ? state.projectByName(key) : state.projects.get(Number(key));
    return project ?? notFound(`project ${key}`);
  };

  return {
    async listProjects({ query }) {
      const matches = queryFilter(query, "name", true);
      const projects = [...state.projects.values()].filter((project) => !matches || matches(project.name));
      return paged(await Promise.all(projects.map(describe)), query, `${basePath}/projects`);
    },

    /** A project's repositories, as Harbor lists them to anyone who may read the project (robots included). */
    async listRepositories(context) {
      const name = context.pathParams.project_name;
      const project = state.projectByName(name) ?? notFound(`project ${name}`);
      const names = (await listRepositories({ url: registryUrl })).filter((repo) => repo.startsWith(`${name}/`)).sort();
      const repositories = names.map((repo, index) => ({
        id: index + 1,
        project_id: project.project_id,
        name: repo,
        artifact_count: 1,
        pull_count: 0,
        creation_time: project.creation_time,
        update_time: project.creation_time,
      }));
      return paged(repositories, context.query, `${basePath}/projects/${name}/repositories`);
    },

    headProject({ query }) {
      return state.projectByName(query.get("project_name")!) ? ok() : notFound(`project ${query.get("project_name")}`);
    },

    createProject({ body }) {
      if (!body.project_name || !PROJECT_NAME.test(body.project_name)) badRequest(`project name is not in lower case or contains illegal characters`);
      if (state.projectByName(body.project_name)) throw new HarborFault(409, `The project named ${body.project_name} already exists`);
      const project = addProject(state, body.project_name, body.metadata?.public === "true" || body.public === true, body.storage_limit ?? -1);
      return created(basePath, "projects", project.project_id);
    },

    async getProject(context) {
      return ok(await describe(lookup(context)));
    },

    updateProject(context) {
      const project = lookup(context);
      if (context.body.metadata?.public !== undefined) project.public = context.body.metadata.public === "true";
      return ok();
    },

    async deleteProject(context) {
      const project = lookup(context);
      const repos = await repoCount(project.name);
      if (repos > 0) throw new HarborFault(412, `the project contains repositories, can not be deleted`);
      state.projects.delete(project.project_id);
      for (const quota of state.quotas.values()) if (quota.projectId === project.project_id) state.quotas.delete(quota.id);
      return ok();
    },

    listQuotas({ query }) {
      const reference = query.get("reference");
      const referenceId = query.get("reference_id");
      const quotas = [...state.quotas.values()].filter(
        (quota) => (!reference || reference === "project") && (!referenceId || String(quota.projectId) === referenceId),
      );
      const shaped = quotas.map((quota) => ({
        id: quota.id,
        ref: { id: quota.projectId, name: state.projects.get(quota.projectId)?.name },
        hard: { storage: quota.storage },
        used: { storage: 0 },
      }));
      return paged(shaped, query, `${basePath}/quotas`);
    },

    updateQuota({ pathParams, body }) {
      const quota = state.quotas.get(Number(pathParams.id)) ?? notFound(`quota ${pathParams.id}`);
      const storage = body.hard?.storage;
      if (storage === undefined || (storage < 0 && storage !== -1)) badRequest(`the storage limit must be -1 or a number of bytes`);
      quota.storage = storage;
      return ok();
    },
  };
}

export function addProject(state: StandInState, name: string, isPublic: boolean, storageLimit: number): StoredProject {
  const project: StoredProject = { project_id: state.nextId("project"), name, public: isPublic, creation_time: now() };
  state.projects.set(project.project_id, project);
  const quotaId = state.nextId("quota");
  state.quotas.set(quotaId, { id: quotaId, projectId: project.project_id, storage: storageLimit });
  return project;
}
