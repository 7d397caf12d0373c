import { z } from "zod";

/**
 * image-syncer's configuration, accepted as it is so its users can switch by changing
 * the program name: `auth` maps a registry (or registry/namespace) to credentials,
 * `images` maps a source to one destination or a list of them.
 */

/**
 * An ACR Enterprise Edition instance reached with temporary logins from a RAM key (this
 * project's addition to image-syncer's format). Without a key, the `alicloud:*` stack config
 * or the ALICLOUD_* environment supplies it.
 */
export function alicloudAuthSchema() {
  const text = (what: string) => z.string({ error: `expected ${what}` }).min(1, { error: `expected ${what}` });
  return z
    .strictObject(
      {
        instanceId: text("the instance id, such as cri-xxxxxxxx").regex(/^cri-[a-z0-9]+$/, {
          error: "expected an ACR Enterprise instance id, such as cri-kmsiwlxxdcvaduwb",
        }),
        region: text("the instance's region, such as cn-hangzhou").regex(/^[a-z]{2}-[a-z0-9-]+$/, { error: "expected a region id, such as cn-hangzhou" }),
        accessKeyId: text("a RAM AccessKey id").optional(),
        accessKeySecret: text("the AccessKey secret").optional(),
        securityToken: text("an STS security token").optional(),
        /** The Container Registry API endpoint, e.g. a VPC one. */
        endpoint: text("an API endpoint host or URL").optional(),
      },
      {
        error: (issue) =>
          issue.code === "unrecognized_keys"
            ? `unknown field(s) ${issue.keys.join(", ")}: expected instanceId, region, accessKeyId, accessKeySecret, securityToken, endpoint`
            : "expected an object with instanceId and region",
      },
    )
    .refine((entry) => (entry.accessKeyId === undefined) === (entry.accessKeySecret === undefined), {
      error: "accessKeyId and accessKeySecret go together: give both, or neither to use the alicloud:* config or ALICLOUD_* variables",
    })
    .refine((entry) => entry.securityToken === undefined || entry.accessKeyId !== undefined, {
      error: "securityToken needs the STS accessKeyId and accessKeySecret it was issued with",
    });
}

/**
 * Google Artifact Registry (and gcr.io) through a service-account key: the copier logs in as
 * `oauth2accesstoken` with access tokens minted from the key and renewed as they lapse. The
 * key's JSON text, or (on the command line) the path of its file. Plain `_json_key` /
 * `_json_key_base64` logins are username/password entries and need nothing of this.
 */
export function googleAuthSchema() {
  const text = (what: string) => z.string({ error: `expected ${what}` }).min(1, { error: `expected ${what}` });
  return z
    .strictObject(
      {
        serviceAccountKey: text("the service-account key's JSON text").optional(),
        serviceAccountKeyFile: text("the path of the service-account key's JSON file").optional(),
      },
      {
        error: (issue) =>
          issue.code === "unrecognized_keys"
            ? `unknown field(s) ${issue.keys.join(", ")}: expected serviceAccountKey or serviceAccountKeyFile`
            : "expected an object with serviceAccountKey or serviceAccountKeyFile",
      },
    )
    .refine((entry) => (entry.serviceAccountKey === undefined) !== (entry.serviceAccountKeyFile === undefined), {
      error: "give serviceAccountKey (the key's JSON text) or serviceAccountKeyFile (its path), one of them",
    });
}

/**
 * TLS trust for one registry: its CA (a private Harbor's internal CA: no `insecure` needed)
 * and a client certificate for registries that require one (mTLS). Files or PEM text.
 */
export function trustShape() {
  const text = (what: string) => z.string({ error: `expected ${what}` }).min(1, { error: `expected ${what}` });
  return {
    caFile: text("the path of a PEM file with the registry's CA certificate(s)").optional(),
    ca: text("the registry's CA certificate(s) as PEM text").optional(),
    certFile: text("the path of a PEM client certificate").optional(),
    keyFile: text("the path of the client certificate's PEM private key").optional(),
    cert: text("a PEM client certificate").optional(),
    key: text("the client certificate's PEM private key").optional(),
  };
}

export function authEntrySchema() {
  return z
    .strictObject(
      {
        username: z.string({ error: "expected a string" }).optional(),
        password: z.string({ error: "expected a string" }).optional(),
        /** A registry token sent as `Authorization: Bearer`, instead of username/password. */
        token: z.string({ error: "expected a string" }).min(1, { error: "expected a non-empty token" }).optional(),
        /**
         * An OAuth2 refresh token (docker's `identitytoken`, as `docker login` stores it for
         * registries such as Azure Container Registry): exchanged at the registry's token realm
         * for access tokens (`grant_type=refresh_token`), instead of username/password.
         */
        identityToken: z.string({ error: "expected a string" }).min(1, { error: "expected a non-empty identity token" }).optional(),
        alicloud: alicloudAuthSchema().optional(),
        google: googleAuthSchema().optional(),
        insecure: z.boolean({ error: "expected true or false" }).optional(),
        ...trustShape(),
      },
      {
        error: (issue) =>
          issue.code === "unrecognized_keys"
            ? `unknown field(s) ${issue.keys.join(", ")}: expected username, password, identityToken, token, alicloud, google, insecure, caFile, ca, certFile, keyFile, cert, key`
            : "expected an object with username, password and insecure",
      },
    )
    .refine((entry) => (entry.username === undefined) === (entry.password === undefined), { error: "username and password go together: give both or neither" })
    .refine((entry) => [entry.token, entry.identityToken, entry.username, entry.alicloud, entry.google].filter((given) => given !== undefined).length <= 1, {
      error: "give one of username/password, identityToken, token, alicloud or google, not several",
    });
}

export function authMapSchema() {
  return z.record(z.string(), authEntrySchema(), { error: "expected an object mapping registry (or registry/namespace) to credentials" });
}

export function imagesMapSchema() {
  const destinations = z.union(
    [z.string(), z.array(z.string(), { error: "expected a list of destination strings" }).min(1, { error: "expected at least one destination" })],
    {
      error: 'expected a destination string ("" for the --registry/--namespace default) or a list of them',
    },
  );
  return z.record(z.string(), destinations, { error: "expected an object mapping source images to destinations" });
}

export function syncConfigSchema() {
  return z.strictObject(
    {
      auth: authMapSchema().optional(),
      images: imagesMapSchema(),
    },
    {
      error: (issue) =>
        issue.code === "unrecognized_keys"
          ? `unknown field(s) ${issue.keys.join(", ")}: expected "auth" and "images"`
          : 'expected an object with "auth" and "images"',
    },
  );
}

export type AuthEntry = z.infer<ReturnType<typeof authEntrySchema>>;
export type AuthMap = z.infer<ReturnType<typeof authMapSchema>>;
export type ImagesMap = z.infer<ReturnType<typeof imagesMapSchema>>;
export type SyncConfig = z.infer<ReturnType<typeof syncConfigSchema>>;
