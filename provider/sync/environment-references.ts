import { AuthMap } from "./config-schema";

/**
 * image-syncer reads a `username` or `password` that is exactly `${NAME}` or `$NAME` from the
 * environment, so secrets stay out of config files; an `identityToken` is read the same way.
 * Only whole values: a `$` inside a value (`robot$ci`) stays literal. One rule for the command,
 * which resolves them, and for SyncSchedule, which must give its pods the variables.
 */

const WHOLE_REFERENCE = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$/;

export const ENVIRONMENT_FIELDS = ["username", "password", "identityToken"] as const;

export interface EnvironmentReference {
  key: string;
  field: (typeof ENVIRONMENT_FIELDS)[number];
  variable: string;
}

export function environmentReferences(auth: AuthMap): EnvironmentReference[] {
  return Object.entries(auth).flatMap(([key, entry]) =>
    ENVIRONMENT_FIELDS.flatMap((field) => {
      const value = entry[field];
      const match = typeof value === "string" ? WHOLE_REFERENCE.exec(value) : null;
      return match ? [{ key, field, variable: match[1] ?? match[2] }] : [];
    }),
  );
}
