/**
 * Harbor's rules for replication policies, checked here so `pulumi preview` rejects what
 * Harbor would reject at `pulumi up` (or, for flattening, only when a run fails).
 */

/** Why Harbor would refuse this schedule, or undefined. Harbor's cron has 6 fields, seconds first. */
export function cronProblem(cron: string): string | undefined {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 6) return `expected 6 space-separated fields (seconds minutes hours day-of-month month day-of-week), got ${fields.length}`;
  if (!fields.every((field) => /^[0-9*?,/A-Za-z-]+$/.test(field))) return `expected cron fields of digits, names and * , - / ?`;
  if (fields[0] !== "0") return `expected 0 as the first (seconds) field: Harbor refuses other values`;
  if (fields[1] === "*") return `expected a minute (such as 0), not *: Harbor refuses a schedule every minute`;
  return undefined;
}

/**
 * Where Harbor puts `repository` under `namespace` when flattening `level` leading path
 * components (its replaceNamespace). The last component is always kept; an empty namespace
 * keeps the path whatever the level. Throws when the path is too short for the level, which
 * Harbor only discovers when a run reaches that repository.
 */
export function flattenedDestination(repository: string, namespace: string, level: number): string {
  if (!namespace) return repository;
  const components = repository.split("/");
  if (level < 0) return `${namespace}/${components[components.length - 1]}`;
  if (level >= components.length) {
    throw new Error(`flattening ${level} level(s) of "${repository}" would leave no name: it has ${components.length} path component(s)`);
  }
  return [namespace, ...components.slice(level)].join("/");
}

/** A repository a name filter would match, to show what flattening does to it. */
export function sampleRepository(nameFilter: string | undefined): string {
  if (!nameFilter) return "library/app";
  const sample = nameFilter
    .replace(/\{([^},]*)[^}]*\}/g, "$1")
    .replace(/\*\*/g, "team/app")
    .replace(/\*/g, "app")
    .replace(/\?/g, "x");
  return sample.includes("/") ? sample : `library/${sample}`;
}

/**
 * Harbor's name and tag filters (doublestar globs): `**` any path, `*` and `?` within one path
 * component, `{a,b}` alternatives, everything else literal. One implementation for
 * HarborReplicationPolicy's filters and for `registry-dr sync` source keys such as
 * `harbor.example.com/library/**:v*`.
 */
export function harborPattern(pattern: string): RegExp {
  let source = "";
  let braces = 0;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === "*" && pattern[i + 1] === "*") {
      source += ".*";
      i++;
    } else if (char === "*") source += "[^/]*";
    else if (char === "?") source += "[^/]";
    else if (char === "{") {
      source += "(?:";
      braces++;
    } else if (char === "}" && braces > 0) {
      source += ")";
      braces--;
    } else if (char === "," && braces > 0) source += "|";
    else source += char.replace(/[.+^$()|[\]\\]/g, "\\$&");
  }
  if (braces > 0) throw new Error(`the filter ${JSON.stringify(pattern)} opens a { it does not close: expected {a,b} alternatives`);
  return new RegExp(`^${source}$`);
}

/** Whether a name or tag passes a Harbor filter: an empty pattern passes everything; `excludes` inverts. */
export function passesHarborFilter(value: string, pattern: string | undefined, decoration: "matches" | "excludes" = "matches"): boolean {
  if (!pattern) return true;
  const matched = harborPattern(pattern).test(value);
  return decoration === "excludes" ? !matched : matched;
}

/** Whether a pattern uses Harbor's glob syntax at all (a plain name or tag matches only itself). */
export function isHarborGlob(pattern: string): boolean {
  return /[*?{]/.test(pattern);
}
