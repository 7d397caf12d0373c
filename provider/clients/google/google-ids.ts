import { z } from "zod";

/**
 * Google Cloud names as Google accepts them, checked before any call: project ids, Artifact
 * Registry repository ids and locations, service-account ids, and the hosts Artifact Registry
 * serves Docker images on. Functions, not constants: each caller gets a fresh schema.
 */

/** 6-30 lower-case letters, digits and hyphens, starting with a letter, not ending with a hyphen. */
export const projectIdSchema = () =>
  z.string({ error: "expected a Google Cloud project id, such as my-dr-project" }).regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, {
    error:
      "expected a Google Cloud project id: 6-30 lower-case letters, digits and hyphens, starting with a letter (the id, not the project's display name or number)",
  });

/** An Artifact Registry repository id: lower-case letters, digits and hyphens, starting with a letter, at most 63. */
export const repositoryIdSchema = () =>
  z.string({ error: "expected an Artifact Registry repository id, such as dr-images" }).regex(/^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/, {
    error: "expected an Artifact Registry repository id: lower-case letters, digits and hyphens, starting with a letter, at most 63 characters",
  });

/** A region (us-central1, europe-west4) or a multi-region (us, europe, asia). */
export const artifactRegistryLocationSchema = () =>
  z.string({ error: "expected an Artifact Registry location, such as europe-west4 or the multi-region us" }).regex(/^(us|europe|asia|[a-z]+-[a-z]+\d+)$/, {
    error: "expected an Artifact Registry location: a region such as europe-west4, or a multi-region us, europe or asia",
  });

/** A service account's id (the part before @): 6-30 lower-case letters, digits and hyphens, starting with a letter. */
export const serviceAccountIdSchema = () =>
  z.string({ error: "expected a service account id, such as dr-images-dr-sync" }).regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, {
    error: "expected a service account id: 6-30 lower-case letters, digits and hyphens, starting with a letter and not ending with a hyphen",
  });

// The hosts Artifact Registry serves are named with the other cloud registry hosts.
export { GCR_HOST_LOCATIONS, type GcrHost, isArtifactRegistryHost } from "../registry-hosts";
