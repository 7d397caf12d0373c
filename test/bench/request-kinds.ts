import type { RegistryRequest } from "../support/registry-server";

/**
 * Names a logged registry request by what it does, so a run's requests can be counted per
 * kind from the registries' own access logs (what the registries paid for, retries and
 * 401 challenges included).
 */
export function requestKind(request: RegistryRequest): string {
  const path = request.path.split("?")[0];
  const query = request.path.includes("?") ? request.path.slice(request.path.indexOf("?")) : "";
  const denied = request.status === 401 ? " (401)" : "";
  if (path === "/v2/") return `ping${denied}`;
  if (path.endsWith("/tags/list")) return `tags.list${denied}`;
  if (path === "/v2/_catalog") return `catalog${denied}`;
  if (path.includes("/referrers/")) return `referrers.list${denied}`;
  if (path.includes("/manifests/")) return `manifest.${request.method.toLowerCase()}${denied}`;
  if (path.includes("/blobs/uploads/")) {
    if (request.method === "POST") return `${query.includes("mount=") ? "blob.mount" : "blob.upload-start"} ${request.status}${denied}`;
    return `blob.upload-${request.method.toLowerCase()}${denied}`;
  }
  if (path.includes("/blobs/")) return `blob.${request.method.toLowerCase()}${denied}`;
  return `${request.method} other${denied}`;
}

/** `{ kind: count }`, most frequent first. */
export function countByKind(requests: RegistryRequest[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const request of requests) counts.set(requestKind(request), (counts.get(requestKind(request)) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}
