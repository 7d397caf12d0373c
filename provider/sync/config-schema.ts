import { z } from "zod";

/**
 * image-syncer's configuration, accepted as it is so its users can switch by changing
 * the program name: `auth` maps a registry (or registry/namespace) to credentials,
 * `images` maps a source to one destination or a list of them.
 */

export const authEntrySchema = z
  .strictObject(
    {
      username: z.string({ error: "expected a string" }).optional(),
      password: z.string({ error: "expected a string" }).optional(),
      /** A registry token sent as `Authorization: Bearer`, instead of username/password. */
      token: z.string({ error: "expected a string" }).min(1, { error: "expected a non-empty token" }).optional(),
      insecure: z.boolean({ error: "expected true or false" }).optional(),
    },
    { error: (issue) => (issue.code === "unrecognized_keys" ? `unknown field(s) ${issue.keys.join(", ")}: expected username, password, token, insecure` : "expected an object with username, password and insecure") },
  )
  .refine((entry) => (entry.username === undefined) === (entry.password === undefined), { error: "username and password go together: give both or neither" })
  .refine((entry) => !(entry.token && entry.username), { error: "give either token or username/password, not both" });

const destinationsSchema = z.union([z.string(), z.array(z.string(), { error: "expected a list of destination strings" }).min(1, { error: "expected at least one destination" })], {
  error: 'expected a destination string ("" for the --registry/--namespace default) or a list of them',
});

export const authMapSchema = z.record(z.string(), authEntrySchema, { error: "expected an object mapping registry (or registry/namespace) to credentials" });
export const imagesMapSchema = z.record(z.string(), destinationsSchema, { error: "expected an object mapping source images to destinations" });

export const syncConfigSchema = z.strictObject(
  {
    auth: authMapSchema.optional(),
    images: imagesMapSchema,
  },
  { error: (issue) => (issue.code === "unrecognized_keys" ? `unknown field(s) ${issue.keys.join(", ")}: expected "auth" and "images"` : 'expected an object with "auth" and "images"') },
);

export type AuthEntry = z.infer<typeof authEntrySchema>;
export type AuthMap = z.infer<typeof authMapSchema>;
export type ImagesMap = z.infer<typeof imagesMapSchema>;
export type SyncConfig = z.infer<typeof syncConfigSchema>;
