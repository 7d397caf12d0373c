/** Token scopes (`repository:<name>:<actions>`) as the Docker token protocol spells them. */
export type Action = "pull" | "push";

export interface RepositoryScope {
  repository: string;
  actions: Action[];
}

export function formatScope(scope: RepositoryScope): string {
  return `repository:${scope.repository}:${[...scope.actions].sort().join(",")}`;
}

/** A stable cache key for a set of scopes, whatever order they were asked in. */
export function scopeKey(scopes: RepositoryScope[]): string {
  return scopes.map(formatScope).sort().join(" ");
}
