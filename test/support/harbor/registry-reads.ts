import { RegistryHttp } from "../registry-http";

/**
 * The few registry reads the stand-in makes itself (catalog, tags, does a tag exist, does
 * /v2/ accept these credentials), through the test bed's RegistryHttp, which answers Basic
 * and Bearer challenges as Harbor's adapters do. Copies are skopeo's job, not this file's.
 */

export interface Endpoint {
  /** "http://127.0.0.1:5000" */
  url: string;
  /** "user:password", when the registry wants credentials. */
  creds?: string;
}

const client = (endpoint: Endpoint) => new RegistryHttp({ url: endpoint.url }, endpoint.creds);

/** The whole catalog, page by page (distribution answers at most 1000 names a page). */
export async function listRepositories(endpoint: Endpoint): Promise<string[]> {
  const http = client(endpoint);
  const names: string[] = [];
  for (let last = ""; ; ) {
    const page =
      (
        (await getJson(http, endpoint, `/v2/_catalog?n=1000${last ? `&last=${encodeURIComponent(last)}` : ""}`, "registry:catalog:*")) as {
          repositories?: string[];
        }
      ).repositories ?? [];
    names.push(...page);
    if (page.length < 1000) return names;
    last = page[page.length - 1];
  }
}

export async function listTags(endpoint: Endpoint, repository: string): Promise<string[]> {
  const body = (await getJson(client(endpoint), endpoint, `/v2/${repository}/tags/list`, `repository:${repository}:pull`)) as { tags?: string[] | null };
  return body.tags ?? [];
}

export async function tagExists(endpoint: Endpoint, repository: string, tag: string): Promise<boolean> {
  return (await client(endpoint).request("HEAD", `/v2/${repository}/manifests/${tag}`, `repository:${repository}:pull`)).status === 200;
}

/** Harbor's "Test Connection": /v2/ must answer 200 with these credentials. */
export async function checkHealth(endpoint: Endpoint): Promise<string | undefined> {
  try {
    const { status } = await client(endpoint).request("GET", "/v2/", "");
    return status === 200 ? undefined : `GET /v2/ answered ${status}`;
  } catch (error) {
    return `cannot reach ${endpoint.url}: ${(error as Error).message}`;
  }
}

async function getJson(http: RegistryHttp, endpoint: Endpoint, path: string, scope: string): Promise<unknown> {
  const { status, body } = await http.request("GET", path, scope);
  if (status !== 200) throw new Error(`GET ${endpoint.url}${path}: ${status}`);
  return JSON.parse(body.toString("utf8"));
}
