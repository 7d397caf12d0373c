import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { artifactRegistryLocationSchema, projectIdSchema, repositoryIdSchema, serviceAccountIdSchema } from "../../provider/clients/google";
import { artifactRegistryHost, artifactRegistryPath, GCR_HOST_LOCATIONS, GCR_HOSTS, GcrHost } from "../../provider/clients/registry-hosts";
import { ArgumentChecks } from "../argument-checks";

/**
 * ArtifactRegistryTarget: a Google Artifact Registry Docker repository made ready to receive DR
 * copies, the target of Google's Harbor-to-Container-Registry guide brought up to date
 * (Container Registry no longer takes writes; Artifact Registry serves even `gcr.io` names):
 * - the repository (or a "gcr.io repository", so `gcr.io/<project>/...` names keep working),
 * - a service account allowed to write to THAT repository only, and optionally its key,
 * - outputs a copier uses directly: `syncAuth` for ImageSync, `harborEndpoint` and
 *   `harborDestNamespace` for a Harbor replication rule.
 *
 * Least privilege: the guide grants the account Storage Admin on the whole project (Container
 * Registry kept images in Cloud Storage buckets). Here it gets roles/artifactregistry.writer
 * (push, pull, tag; no delete, no repository admin) bound on the repository alone, so a leaked
 * key can write DR copies into one repository and nothing else in the project.
 */

export interface ArtifactRegistryTargetArgs {
  /** The repository id, such as dr-images. Not with `gcrHost` (the id is then the host). */
  repositoryId?: pulumi.Input<string>;
  /** A region (europe-west4) or multi-region (us, europe, asia). Not with `gcrHost` (it has its own). */
  location?: pulumi.Input<string>;
  /**
   * Create a gcr.io repository instead: Artifact Registry serving `gcr.io/<project>/...` (and
   * us./eu./asia.gcr.io), so image names from the Container Registry days keep working.
   */
  gcrHost?: GcrHost;
  /** The project; default the gcp provider's (`gcp:project`). */
  project?: pulumi.Input<string>;
  description?: pulumi.Input<string>;
  /** Refuse to move a tag once pushed (a DR copy then never changes under a tag). */
  immutableTags?: pulumi.Input<boolean>;
  /**
   * Keep the repository when this component is deleted (default true): deleting it takes every
   * image with it, and DR copies are never deleted implicitly.
   */
  retainOnDelete?: boolean;
  /** The copier's service account id (6-30 characters). Default `<repositoryId>-dr-sync` (`gcr-io-dr-sync` and alike for gcr.io). */
  serviceAccountId?: pulumi.Input<string>;
  /** Create a key for the service account (default true). Without one, `syncAuth` and `harborEndpoint` are undefined. */
  createKey?: boolean;
}

/** One ImageSync `auth` entry of the `google` kind. */
export type GoogleSyncAuth = Record<string, { google: { serviceAccountKey: string } }>;

/** HarborRegistry's arguments for this repository (Harbor's google-gcr adapter). */
export interface GoogleHarborEndpoint {
  type: "google-gcr";
  url: string;
  accessKey: "_json_key";
  accessSecret: string;
}

/** The role a copier needs: push and pull, nothing to delete or administer. */
export const ARTIFACT_REGISTRY_WRITER = "roles/artifactregistry.writer";

export class ArtifactRegistryTarget extends pulumi.ComponentResource {
  /** `<location>-docker.pkg.dev`, or the gcr.io host. */
  readonly registryHost: pulumi.Output<string>;
  /** Where images go below the host: `<project>/<repositoryId>` (`<project>` for gcr.io). */
  readonly repositoryPath: pulumi.Output<string>;
  readonly serviceAccountEmail: pulumi.Output<string>;
  /** The key's JSON text (secret); undefined without `createKey`. */
  readonly serviceAccountKey: pulumi.Output<string | undefined>;
  /** `{ "<host>/<repositoryPath>": { google: { serviceAccountKey } } }` (secret): merge it into ImageSync's `auth`. */
  readonly syncAuth: pulumi.Output<GoogleSyncAuth | undefined>;
  /** HarborRegistry args: google-gcr, `https://<host>`, `_json_key` and the key (secret). */
  readonly harborEndpoint: pulumi.Output<GoogleHarborEndpoint | undefined>;
  /** A replication rule's destination namespace: `<project>/<repositoryId>` (Harbor needs the project id first). */
  readonly harborDestNamespace: pulumi.Output<string>;

  readonly repository: gcp.artifactregistry.Repository;
  readonly serviceAccount: gcp.serviceaccount.Account;
  readonly writer: gcp.artifactregistry.RepositoryIamMember;
  readonly key?: gcp.serviceaccount.Key;

  constructor(name: string, args: ArtifactRegistryTargetArgs, opts?: pulumi.ComponentResourceOptions) {
    // Before super: bad arguments fail the program without registering a half-built component.
    validateArgs(name, args);
    super("registry-dr:gcp:ArtifactRegistryTarget", name, {}, opts);

    const gcr = args.gcrHost;
    const repositoryId = gcr ?? args.repositoryId!;
    const location = gcr ? GCR_HOST_LOCATIONS[gcr] : args.location!;

    this.repository = new gcp.artifactregistry.Repository(
      `${name}-repository`,
      {
        project: args.project,
        repositoryId,
        location,
        format: "DOCKER",
        description: args.description ?? `registry-dr: DR copies${gcr ? ` served as ${gcr}` : ""}`,
        dockerConfig: args.immutableTags === undefined ? undefined : { immutableTags: args.immutableTags },
      },
      { parent: this, retainOnDelete: args.retainOnDelete ?? true },
    );

    this.serviceAccount = new gcp.serviceaccount.Account(
      `${name}-sync-account`,
      {
        project: args.project,
        accountId: args.serviceAccountId ?? pulumi.output(repositoryId).apply(defaultServiceAccountId),
        displayName: pulumi.interpolate`registry-dr: DR copies into ${this.repository.name}`.apply((text) => text.slice(0, 100)),
      },
      { parent: this },
    );

    // On the repository, not the project: see the top of this file.
    this.writer = new gcp.artifactregistry.RepositoryIamMember(
      `${name}-writer`,
      {
        project: this.repository.project,
        location: this.repository.location,
        repository: this.repository.name,
        role: ARTIFACT_REGISTRY_WRITER,
        member: this.serviceAccount.member,
      },
      { parent: this },
    );

    // After the binding: whoever receives the key gets one that can already push.
    this.key =
      args.createKey === false
        ? undefined
        : new gcp.serviceaccount.Key(`${name}-key`, { serviceAccountId: this.serviceAccount.name }, { parent: this, dependsOn: [this.writer] });

    this.registryHost = gcr ? pulumi.output(gcr) : pulumi.output(location).apply(artifactRegistryHost);
    this.repositoryPath = pulumi
      .all([this.repository.project, this.repository.repositoryId])
      .apply(([project, repositoryId]) => artifactRegistryPath(project, gcr ? { gcrHost: gcr } : { repositoryId }));
    this.harborDestNamespace = this.repositoryPath;
    this.serviceAccountEmail = this.serviceAccount.email;
    // serviceaccount.Key's privateKey is the key file in base64; logins and Harbor take its JSON text.
    this.serviceAccountKey = pulumi.secret(
      this.key ? this.key.privateKey.apply((base64) => Buffer.from(base64, "base64").toString("utf8")) : pulumi.output<string | undefined>(undefined),
    );
    this.syncAuth = pulumi.secret(
      pulumi
        .all([this.registryHost, this.repositoryPath, this.serviceAccountKey])
        .apply(([host, path, key]) => (key === undefined ? undefined : { [`${host}/${path}`]: { google: { serviceAccountKey: key } } })),
    );
    this.harborEndpoint = pulumi.secret(
      pulumi
        .all([this.registryHost, this.serviceAccountKey])
        .apply(([host, key]) =>
          key === undefined ? undefined : { type: "google-gcr" as const, url: `https://${host}`, accessKey: "_json_key" as const, accessSecret: key },
        ),
    );

    this.registerOutputs({
      registryHost: this.registryHost,
      repositoryPath: this.repositoryPath,
      serviceAccountEmail: this.serviceAccountEmail,
      serviceAccountKey: this.serviceAccountKey,
      syncAuth: this.syncAuth,
      harborEndpoint: this.harborEndpoint,
      harborDestNamespace: this.harborDestNamespace,
    });
  }
}

/** `<repositoryId>-dr-sync`, with the dots of a gcr.io host as hyphens. */
export function defaultServiceAccountId(repositoryId: string): string {
  return `${repositoryId.replace(/\./g, "-")}-dr-sync`;
}

/** Checks the arguments known at construction time. */
function validateArgs(name: string, args: ArtifactRegistryTargetArgs): void {
  if (args === undefined || args === null || typeof args !== "object")
    throw new Error(`ArtifactRegistryTarget ${name}: expected args {repositoryId, location, ...} or {gcrHost, ...}`);
  const check = new ArgumentChecks("ArtifactRegistryTarget", name);
  if (args.gcrHost !== undefined) {
    check.schema("gcrHost", args.gcrHost, z.enum(GCR_HOSTS, { error: `expected one of ${GCR_HOSTS.join(", ")}` }));
    if (args.repositoryId !== undefined || args.location !== undefined)
      check.fail(
        "gcrHost",
        "expected gcrHost alone, without repositoryId and location: a gcr.io repository's id is its host and its location the host's multi-region",
        { repositoryId: args.repositoryId, location: args.location },
      );
  } else {
    check.schema("repositoryId", args.repositoryId, repositoryIdSchema(), true);
    check.schema("location", args.location, artifactRegistryLocationSchema(), true);
  }
  check.schema("project", args.project, projectIdSchema());
  check.schema("serviceAccountId", args.serviceAccountId, serviceAccountIdSchema());
  const repositoryId = args.gcrHost ?? args.repositoryId;
  if (
    args.serviceAccountId === undefined &&
    typeof repositoryId === "string" &&
    !serviceAccountIdSchema().safeParse(defaultServiceAccountId(repositoryId)).success
  ) {
    check.fail(
      "serviceAccountId",
      `expected a service account id of 6-30 characters: the default "${defaultServiceAccountId(repositoryId)}" does not fit, give serviceAccountId`,
      args.serviceAccountId,
    );
  }
  for (const flag of ["immutableTags", "retainOnDelete", "createKey"] as const) check.schema(flag, args[flag], z.boolean({ error: "expected true or false" }));
}
