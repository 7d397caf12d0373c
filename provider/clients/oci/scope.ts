/** Token scopes (`repository:<name>:<actions>`, `registry:catalog:*`) as the Docker token protocol spells them. */
export type Action = "pull" | "push" | "*";

export interface RepositoryScope {
  /** A repository; with type "registry", the registry resource (`catalog`). */
  repository: string;
  actions: Action[];
  type?: "repository" | "registry";
}

export function formatScope(scope: RepositoryScope): string {
  return `${scope.type ?? "repository"}:${scope.repository}:${[...scope.actions].sort().join(",")}`;
}

/** A stable cache key for a set of scopes, whatever order they were asked in. */
export function scopeKey(scopes: RepositoryScope[]): string {
  return scopes.map(formatScope).sort().join(" ");
}
