import { isDigest } from "./digest";

/**
 * Image references in the grammar of the distribution spec: `host[:port]/path[:tag][@digest]`.
 * Docker Hub short names (`nginx`, `bitnami/redis`) are expanded the way docker does,
 * because users copy references straight out of Dockerfiles.
 */

export const DOCKER_HUB = "docker.io";
/** docker.io is an alias: the registry API itself answers on this host. */
export const DOCKER_HUB_API_HOST = "registry-1.docker.io";

const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const REPOSITORY_PATTERN = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const TAG_PATTERN = /^[\w][\w.-]{0,127}$/;

export interface RepositoryName {
  /** Registry host as written by the user, with port: `harbor.example.com:32080`. */
  registry: string;
  /** Repository path inside the registry: `library/nginx`. */
  repository: string;
}

export interface ImageReference extends RepositoryName {
  tag?: string;
  digest?: string;
}

export class ReferenceError extends Error {
  override name = "ReferenceError";
}

export function isValidRepository(path: string): boolean {
  return path.length <= 255 && REPOSITORY_PATTERN.test(path);
}

export function isValidTag(tag: string): boolean {
  return TAG_PATTERN.test(tag);
}

/**
 * A first path component is a registry host when docker would treat it as one.
 * ("nginx:" in "nginx:/regex/" is a name and its tag separator, not a host.)
 */
export function looksLikeHost(component: string): boolean {
  return (component.includes(".") || component.includes(":") || component === "localhost") && !component.endsWith(":");
}

/** Splits `host/path` into registry and repository, expanding Docker Hub names. */
export function splitRegistry(name: string): RepositoryName {
  const slash = name.indexOf("/");
  const first = slash < 0 ? "" : name.slice(0, slash);
  if (slash >= 0 && looksLikeHost(first)) {
    const repository = name.slice(slash + 1);
    return { registry: first, repository: first === DOCKER_HUB && !repository.includes("/") ? `library/${repository}` : repository };
  }
  return { registry: DOCKER_HUB, repository: name.includes("/") ? name : `library/${name}` };
}

export function assertRepository(ref: RepositoryName, input: string): void {
  if (!isValidRepository(ref.repository)) {
    throw new ReferenceError(
      `"${input}": repository "${ref.repository}" is not valid: expected lowercase path components ` +
        `of letters, digits and separators (. _ __ -), joined by "/"`,
    );
  }
}

/** Parses a plain reference with at most one tag and/or one digest. */
export function parseReference(input: string): ImageReference {
  const at = input.indexOf("@");
  const digest = at >= 0 ? input.slice(at + 1) : undefined;
  const beforeDigest = at >= 0 ? input.slice(0, at) : input;
  const lastSlash = beforeDigest.lastIndexOf("/");
  const colon = beforeDigest.indexOf(":", lastSlash + 1);
  const tag = colon >= 0 && colon > lastSlash ? beforeDigest.slice(colon + 1) : undefined;
  const name = colon >= 0 && colon > lastSlash ? beforeDigest.slice(0, colon) : beforeDigest;
  const ref: ImageReference = { ...splitRegistry(name), tag, digest };
  assertRepository(ref, input);
  if (tag !== undefined && !isValidTag(tag)) {
    throw new ReferenceError(`"${input}": tag "${tag}" is not valid: expected up to 128 of [A-Za-z0-9_.-], not starting with . or -`);
  }
  if (digest !== undefined && !isDigest(digest)) {
    throw new ReferenceError(`"${input}": digest "${digest}" is not valid: expected sha256:<64 hex> or sha512:<128 hex>`);
  }
  return ref;
}

export function formatReference(ref: ImageReference): string {
  const base = `${ref.registry}/${ref.repository}`;
  if (ref.digest) return ref.tag ? `${base}:${ref.tag}@${ref.digest}` : `${base}@${ref.digest}`;
  return ref.tag ? `${base}:${ref.tag}` : base;
}

/** The host the registry API answers on (differs from the name only for Docker Hub). */
export function apiHost(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_API_HOST : registry;
}
