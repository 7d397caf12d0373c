import type { z } from "zod";
import { AuthMap, DestinationDefaults, ImagesMap, authMapSchema, compileJob, environmentReferences, imagesMapSchema } from "../../provider/sync";
import { ConfigError } from "../../provider/validation";

/**
 * The two files a scheduled pod reads: `images.json` (a ConfigMap: no credentials) and
 * `auth.json` (a Secret). Each is checked with the schema and the rules `registry-dr sync`
 * applies to `--images` and `--auth`, so a config the pods would refuse fails the deployment
 * instead of every run. Errors name the place and the rule, never a credential's value.
 */

export function imagesFileText(images: unknown, defaults: DestinationDefaults, source: string): string {
  const checked = parsePart<ImagesMap>(imagesMapSchema(), images, "images", source);
  withSource(source, () => compileJob({ images: checked, defaults }));
  return `${JSON.stringify(checked, null, 2)}\n`;
}

/**
 * `withEnvironment`: the pod gets a Secret's keys as environment variables, which the
 * command reads for a value written as exactly `${NAME}` or `$NAME` (environment-references.ts).
 * Without it such a reference could never resolve: refused here, naming the variable.
 */
export function authFileText(auth: unknown, withEnvironment: boolean, source: string): string {
  const checked = parsePart<AuthMap>(authMapSchema(), auth, "auth", source);
  // Before compiling, which would read the file: its path names a file where Pulumi runs, not in the pod.
  const keyFiles = Object.entries(checked).filter(([, entry]) => entry.google?.serviceAccountKeyFile !== undefined);
  if (keyFiles.length > 0)
    throw new ConfigError(
      keyFiles.map(([key]) => ({
        path: ["auth", key, "google", "serviceAccountKeyFile"],
        message: "is a path the pods do not have: give serviceAccountKey, the key's JSON text (it goes into the Secret)",
      })),
      source,
    );
  withSource(source, () => compileJob({ images: {}, auth: checked }));
  const references = environmentReferences(checked, ["auth"]);
  if (references.length > 0 && !withEnvironment) {
    throw new ConfigError(
      references.map(({ path, variable }) => ({
        path,
        message: `is read from the environment variable ${variable}: give environmentSecret, an existing Secret holding ${variable}`,
      })),
      source,
    );
  }
  return `${JSON.stringify(checked)}\n`;
}

function parsePart<T>(schema: z.ZodType<T>, value: unknown, part: string, source: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => ({ path: [part, ...issue.path.map((key) => (typeof key === "symbol" ? String(key) : key))], message: issue.message })),
    source,
  );
}

function withSource(source: string, check: () => unknown): void {
  try {
    check();
  } catch (error) {
    throw error instanceof ConfigError ? new ConfigError(error.issues, source) : error;
  }
}
