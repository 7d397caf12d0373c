/**
 * The plan's "exactly one of" choices, each told apart by the key a stack file writes, shared
 * by the plan's schema and the component's check so both name them the same way.
 */

/** The primary: a Harbor (whose own user reads it), or any registry with an optional login. */
export const PRIMARY_KINDS = ["harbor", "registry"] as const;

/** Where a site's copies go. */
export const SITE_KINDS = ["acrEnterprise", "artifactRegistry", "registry"] as const;

/** How a site is kept in sync: Harbor's replication, or a direct image-syncer copy. */
export const REPLICATION_PATHS = ["harbor", "direct"] as const;

export const PRIMARY_HINT = "{harbor: {url, username, password}} or {registry, auth?}";
export const SITE_HINT = "the kind of registry the site's copies go to";
export const REPLICATION_HINT = "harbor (Harbor's replication) or direct (a direct image-syncer copy)";
