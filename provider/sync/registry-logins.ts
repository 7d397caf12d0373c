import { AcrLoginSource } from "../clients/alicloud/acr-temporary-login";
import { isArtifactRegistryHost } from "../clients/google/google-ids";
import { GoogleRegistryLogin } from "../clients/google/registry-login";
import { HttpTransport, LoginSource, RegistryClient, basicLogin, identityTokenLogin, registryTokenLogin } from "../clients/oci";
import { ANONYMOUS_CREDENTIAL, RegistryAccess, RegistryCredential } from "./registry-credentials";

/**
 * Where a job's credentials meet the registry client: each credential kind comes to a login
 * source (the vendor ones from their own client packages), and what a registry can take
 * follows from its host and login. The client itself knows no vendor.
 */

/** The login source a credential comes to; undefined for anonymous. */
export function loginSourceFor(credential: RegistryCredential): LoginSource | undefined {
  switch (credential.kind) {
    case "anonymous":
      return undefined;
    case "basic":
      return basicLogin(credential.username, credential.password);
    case "token":
      return registryTokenLogin(credential.token);
    case "identity-token":
      return identityTokenLogin(credential.identityToken);
    case "alicloud": {
      const { kind: _kind, ...access } = credential;
      return new AcrLoginSource(access);
    }
    case "google":
      return new GoogleRegistryLogin(credential.serviceAccountKey);
  }
}

/**
 * Artifact Registry takes a blob in one request and refuses PATCHes with Content-Range: no
 * chunked uploads to its hosts (`<location>-docker.pkg.dev`, gcr.io and its regional hosts),
 * nor to any registry reached with a Google login (only Google's registries take one,
 * whatever name they are reached by).
 */
export function takesChunkedUploads(host: string, credential: RegistryCredential): boolean {
  return !isArtifactRegistryHost(host) && credential.kind !== "google";
}

export interface RegistryClientSettings {
  /** Overrides the access entry's `insecure`. */
  insecure?: boolean;
  tagPageSize?: number;
}

/** A client for one registry API host, logging in and uploading as the job's access entry for it says. */
export function registryClientFor(
  host: string,
  access: RegistryAccess | undefined,
  transport: HttpTransport,
  settings: RegistryClientSettings = {},
): RegistryClient {
  const credential = access?.credential ?? ANONYMOUS_CREDENTIAL;
  return new RegistryClient({
    host,
    transport,
    login: loginSourceFor(credential),
    chunkedUploads: takesChunkedUploads(host, credential),
    insecure: settings.insecure ?? access?.insecure,
    tagPageSize: settings.tagPageSize,
  });
}
