import { readdirSync, readlinkSync, realpathSync, statSync, type Stats } from "node:fs";
import { extname, join, sep } from "node:path";
import { UsageError } from "../arguments";

export interface ManifestSearch {
  /** YAML files, each named once (by the first path found to it) however many links lead to it. */
  files: string[];
  /** Why a path was passed over: a symlink leading out of the directory given, a dangling link, a loop. */
  skipped: string[];
}

/**
 * The YAML files under the paths given. A path named on the command line is taken as it is
 * (a symlink included); inside a directory, a symlink is followed only when it stays in that
 * directory: `rewrite --write k8s` must not rewrite files elsewhere through a link. Each file
 * and directory is visited once, by device and inode, so a link to a file in the tree, a hard
 * link or a link to a parent directory neither rewrites twice nor walks in circles.
 */
export function findManifests(paths: readonly string[]): ManifestSearch {
  const search: ManifestSearch = { files: [], skipped: [] };
  const visited = new Set<string>();
  for (const path of paths) {
    const stats = statOrRefuse(path);
    if (stats.isDirectory()) walk(path, stats, realpathSync(path), path, visited, search);
    else if (stats.isFile() && firstVisit(stats, visited)) search.files.push(path);
  }
  return search;
}

function walk(directory: string, stats: Stats, root: string, given: string, visited: Set<string>, search: ManifestSearch): void {
  if (!firstVisit(stats, visited)) return;
  for (const entry of readdirSync(directory, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = join(directory, entry.name);
    const target = entry.isSymbolicLink() ? linkInside(path, root, given, search) : statSync(path);
    if (target?.isDirectory()) walk(path, target, root, given, visited, search);
    else if (target?.isFile() && isYaml(path) && firstVisit(target, visited)) search.files.push(path);
  }
}

/** What a symlink in the tree leads to, or undefined (and why, in `skipped`) when it leads nowhere or out of the tree. */
function linkInside(path: string, root: string, given: string, search: ManifestSearch): Stats | undefined {
  let real: string;
  try {
    real = realpathSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    search.skipped.push(
      `${path}: skipped: ${code === "ELOOP" ? "a symlink loop" : code === "ENOENT" ? `a dangling symlink (to ${readlinkSync(path)})` : `an unreadable symlink (${code})`}`,
    );
    return undefined;
  }
  const stats = statSync(real);
  if (real === root || real.startsWith(root.endsWith(sep) ? root : `${root}${sep}`)) return stats;
  if (stats.isDirectory() || isYaml(path)) search.skipped.push(`${path}: skipped: a symlink to ${real}, outside ${given}`);
  return undefined;
}

function firstVisit(stats: Stats, visited: Set<string>): boolean {
  const identity = `${stats.dev}:${stats.ino}`;
  if (visited.has(identity)) return false;
  visited.add(identity);
  return true;
}

function statOrRefuse(path: string): Stats {
  try {
    return statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`${path}: cannot read it (${code === "ELOOP" ? "a symlink loop" : (code ?? (error as Error).message)})`);
  }
}

function isYaml(path: string): boolean {
  return [".yaml", ".yml"].includes(extname(path).toLowerCase());
}
