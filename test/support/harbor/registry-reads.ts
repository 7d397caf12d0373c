/**
 * The few registry reads the stand-in makes itself (catalog, tags, does a tag exist, does
 * /v2/ accept these credentials), with Basic auth and, for token registries, the bearer
 * token dance, as Harbor's adapters do. Copies are skopeo's job, not this file's.
 */

export interface Endpoint {
  /** "http://127.0.0.1:5000" */
  url: string;
  username?: string;
  password?: string;
}

/** The whole catalog, page by page (distribution answers at most 1000 names a page). */
export async function listRepositories(endpoint: Endpoint): Promise<string[]> {
  const names: string[] = [];
  for (let last = ""; ; ) {
    const body = (await getJson(endpoint, `/v2/_catalog?n=1000${last ? `&last=${encodeURIComponent(last)}` : ""}`, "registry:catalog:*")) as { repositories?: string[] };
    const page = body.repositories ?? [];
    names.push(...page);
    if (page.length < 1000) return names;
    last = page[page.length - 1];
  }
}

export async function listTags(endpoint: Endpoint, repository: string): Promise<string[]> {
  const body = (await getJson(endpoint, `/v2/${repository}/tags/list`, `repository:${repository}:pull`)) as { tags?: string[] | null };
  return body.tags ?? [];
}

export async function tagExists(endpoint: Endpoint, repository: string, tag: string): Promise<boolean> {
  const response = await authorizedFetch(endpoint, `/v2/${repository}/manifests/${tag}`, `repository:${repository}:pull`, "HEAD");
  return response.status === 200;
}

/** Harbor's "Test Connection": /v2/ must answer 200 with these credentials. */
export async function checkHealth(endpoint: Endpoint): Promise<string | undefined> {
  try {
    const response = await authorizedFetch(endpoint, "/v2/", "", "GET");
    await response.body?.cancel();
    return response.status === 200 ? undefined : `GET /v2/ answered ${response.status}`;
  } catch (error) {
    return `cannot reach ${endpoint.url}: ${(error as Error).message}`;
  }
}

async function getJson(endpoint: Endpoint, path: string, scope: string): Promise<unknown> {
  const response = await authorizedFetch(endpoint, path, scope, "GET");
  if (response.status !== 200) throw new Error(`GET ${endpoint.url}${path}: ${response.status}`);
  return response.json();
}

async function authorizedFetch(endpoint: Endpoint, path: string, scope: string, method: string): Promise<Response> {
  const basic = endpoint.username === undefined ? undefined : `Basic ${Buffer.from(`${endpoint.username}:${endpoint.password ?? ""}`).toString("base64")}`;
  const first = await fetch(`${endpoint.url}${path}`, { method, headers: basic ? { authorization: basic } : {} });
  const challenge = first.headers.get("www-authenticate") ?? "";
  if (first.status !== 401 || !/^bearer/i.test(challenge)) return first;
  await first.body?.cancel();
  const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  const tokenUrl = new URL(params.realm);
  if (params.service) tokenUrl.searchParams.set("service", params.service);
  if (scope) tokenUrl.searchParams.set("scope", scope);
  const tokenResponse = await fetch(tokenUrl, { headers: basic ? { authorization: basic } : {} });
  if (tokenResponse.status !== 200) return tokenResponse;
  const { token, access_token } = (await tokenResponse.json()) as { token?: string; access_token?: string };
  return fetch(`${endpoint.url}${path}`, { method, headers: { authorization: `Bearer ${token ?? access_token}` } });
}
