import { Readable } from "node:stream";
import { MAX_LIST_PAGE_BYTES, MAX_MANIFEST_BYTES, MAX_TAGS_PER_REPOSITORY, answerTooLarge, readBoundedBody } from "./answer-limits";
import { Authenticator } from "./authenticator";
import { algorithmOf, digestOf, isDigest } from "./digest";
import { DigestMismatchError, NetworkError, RegistryError } from "./errors";
import { isLoopback } from "./host-names";
import { nextLinkTarget } from "./link-header";
import { LoginSource } from "./login-source";
import { MANIFEST_ACCEPT, MediaType } from "./media-types";
import { ReferrerDescriptor, parseReferrersIndex } from "./referrers";
import {
  InvalidAnswerError,
  checkAnsweredDigest,
  checkMediaType,
  checkReference,
  checkRepository,
  checkCatalogPageLink,
  checkListedRepository,
  checkReferrersPageLink,
  checkTagPageLink,
  checkUploadLocation,
  checkUploadRange,
  quoteAnswer,
} from "./registry-answers";
import { errorFromResponse } from "./registry-errors";
import { RepositoryScope } from "./scope";
import { HttpRequest, HttpResponse, HttpTransport } from "./transport";

/**
 * One registry host speaking the OCI distribution API. Every method is one protocol
 * operation; copying policy (what to skip, when to mount) lives in the sync layer.
 */

export interface RegistryClientOptions {
  /** API host with port, e.g. `harbor.example.com:32080`. */
  host: string;
  /** How to log in; none: anonymous. The client closes it when it closes. */
  login?: LoginSource;
  /**
   * Whether the registry takes a blob in chunks (`PATCH` with `Content-Range`, resumable); false:
   * every blob goes in one request (Artifact Registry refuses chunked uploads). Default true.
   */
  chunkedUploads?: boolean;
  /** Allow plain HTTP and skip TLS verification. Loopback hosts are insecure by default, as in Docker. */
  insecure?: boolean;
  transport: HttpTransport;
  /** `n` for tag listing; the registry may return fewer and paginate with `Link`. */
  tagPageSize?: number;
}

export interface ManifestHead {
  digest: string;
  mediaType?: string;
  size?: number;
}

export interface FetchedManifest {
  bytes: Buffer;
  mediaType: string;
  digest: string;
}

export type MountResult = { mounted: true } | { mounted: false; uploadUrl: URL };

/** Where an upload session stands: bytes held, and the URL its next request goes to. */
export interface UploadStatus {
  held: number;
  uploadUrl: URL;
}

export interface BlobStream {
  body: Readable;
  size?: number;
}

/** A URL below `/v2/`, as path segments (each percent-encoded on its own) and a query. */
interface ApiPath {
  segments: string[];
  query?: Record<string, string>;
}

interface ClientRequest {
  method: HttpRequest["method"];
  /** A path below `/v2/`, or an upload or page URL handed out by the registry (checked before it gets here). */
  target: ApiPath | URL;
  scopes: RepositoryScope[];
  kind: string;
  headers?: Record<string, string>;
  body?: HttpRequest["body"];
}

const pull = (repository: string): RepositoryScope => ({ repository, actions: ["pull"] });
const push = (repository: string): RepositoryScope => ({ repository, actions: ["pull", "push"] });
/** A referrers list longer than this many pages is a registry leading us on, not a real list. */
const MAX_REFERRER_PAGES = 100;

export class RegistryClient {
  readonly host: string;
  /** Whether blobs may go in chunks (`RegistryClientOptions.chunkedUploads`). */
  readonly takesChunkedUploads: boolean;
  readonly insecure: boolean;
  private readonly transport: HttpTransport;
  private readonly auth: Authenticator;
  private readonly tagPageSize: number;
  private base?: Promise<URL>;

  constructor(options: RegistryClientOptions) {
    this.host = options.host;
    this.takesChunkedUploads = options.chunkedUploads ?? true;
    this.insecure = options.insecure ?? isLoopback(options.host);
    this.transport = options.transport;
    this.tagPageSize = options.tagPageSize ?? 1000;
    this.auth = new Authenticator(options.host, options.login, options.transport, this.insecure);
  }

  /** Closes what this client holds of its own (its login source), not the shared transport. */
  close(): Promise<void> {
    return this.auth.close();
  }

  /**
   * `GET /v2/`: finds the scheme (HTTPS first; plain HTTP only for insecure registries),
   * learns the auth challenge, and checks Basic credentials, so a wrong password fails
   * here, before any copying starts.
   */
  async ping(): Promise<void> {
    const response = await this.send({ method: "GET", target: { segments: [""] }, scopes: [], kind: "ping" });
    if (response.status !== 200) throw await errorFromResponse(response, this.host, "checking the registry API (GET /v2/)");
    await response.body.dump();
  }

  async headManifest(repository: string, reference: string): Promise<ManifestHead | undefined> {
    const response = await this.send({
      method: "HEAD",
      target: this.manifestPath(repository, reference),
      scopes: [pull(repository)],
      kind: "manifest.head",
      headers: { accept: MANIFEST_ACCEPT },
    });
    await response.body.dump();
    if (response.status === 404) return undefined;
    if (response.status !== 200) throw await errorFromResponse(response, this.host, `checking manifest ${repository}:${reference}`);
    const digest = header(response, "docker-content-digest");
    if (!digest) {
      // Some registries omit the digest on HEAD: the bytes are the only truth then.
      const fetched = await this.getManifest(repository, reference);
      return { digest: fetched.digest, mediaType: fetched.mediaType, size: fetched.bytes.length };
    }
    const where = `the Docker-Content-Digest of ${this.host}/${repository}:${reference}`;
    const mediaType = header(response, "content-type");
    return {
      digest: checkAnsweredDigest(digest, this.host, where),
      mediaType: mediaType && checkMediaType(mediaType, this.host, `the Content-Type of ${this.host}/${repository}:${reference}`),
      size: Number(header(response, "content-length")) || undefined,
    };
  }

  /** The manifest's exact bytes, verified against the digest it is addressed by. */
  async getManifest(repository: string, reference: string): Promise<FetchedManifest> {
    const response = await this.send({
      method: "GET",
      target: this.manifestPath(repository, reference),
      scopes: [pull(repository)],
      kind: "manifest.get",
      headers: { accept: MANIFEST_ACCEPT },
    });
    if (response.status !== 200) throw await errorFromResponse(response, this.host, `reading manifest ${repository}:${reference}`);
    const bytes = await this.boundedBody(response, MAX_MANIFEST_BYTES, `the manifest ${repository}:${reference}`);
    const answered = header(response, "docker-content-digest");
    const claimed = isDigest(reference)
      ? reference
      : answered && checkAnsweredDigest(answered, this.host, `the Docker-Content-Digest of ${this.host}/${repository}:${reference}`);
    const digest = digestOf(bytes, claimed ? algorithmOf(claimed) : "sha256");
    if (claimed && claimed !== digest) {
      throw new DigestMismatchError(`${this.host}: manifest ${repository}:${reference} hashes to ${digest}, not ${claimed}`, { host: this.host });
    }
    const contentType = header(response, "content-type");
    return {
      bytes,
      mediaType: contentType ? checkMediaType(contentType, this.host, `the Content-Type of ${this.host}/${repository}:${reference}`) : "",
      digest,
    };
  }

  /** Stores the exact bytes, so the digest at the destination equals the source's. */
  async putManifest(repository: string, reference: string, manifest: FetchedManifest): Promise<void> {
    const response = await this.send({
      method: "PUT",
      target: this.manifestPath(repository, reference),
      scopes: [push(repository)],
      kind: "manifest.put",
      headers: { "content-type": checkMediaType(manifest.mediaType, this.host, `the manifest pushed to ${this.host}/${repository}:${reference}`) },
      body: manifest.bytes,
    });
    if (response.status !== 201 && response.status !== 200) throw await errorFromResponse(response, this.host, `pushing manifest ${repository}:${reference}`);
    await response.body.dump();
    const stored = header(response, "docker-content-digest");
    if (stored && stored !== manifest.digest) {
      throw new DigestMismatchError(`${this.host}: pushed ${repository}:${reference} as ${manifest.digest} but the registry stored ${stored}`, {
        host: this.host,
      });
    }
  }

  /** Deletes a manifest by digest (the registry must allow deletes); one already gone counts as deleted. */
  async deleteManifest(repository: string, digest: string): Promise<void> {
    const response = await this.send({ method: "DELETE", target: this.manifestPath(repository, digest), scopes: [push(repository)], kind: "manifest.delete" });
    await response.body.dump();
    if (response.status !== 202 && response.status !== 200 && response.status !== 404)
      throw await errorFromResponse(response, this.host, `deleting manifest ${repository}@${digest}`);
  }

  async hasBlob(repository: string, digest: string): Promise<boolean> {
    const response = await this.send({ method: "HEAD", target: this.blobPath(repository, digest), scopes: [pull(repository)], kind: "blob.head" });
    await response.body.dump();
    if (response.status === 200) return true;
    if (response.status === 404) return false;
    throw await errorFromResponse(response, this.host, `checking blob ${digest} in ${repository}`);
  }

  /**
   * `GET /v2/<name>/referrers/<digest>`: the artifacts naming `digest` as their subject, or
   * undefined when the registry has no referrers API (404: distribution 2.8, older Harbor).
   * Whether it has one is learned from this answer, never from an `OCI-Subject` header.
   * A long list comes in pages linked with `Link: <...>; rel="next"`, as tag lists do: each
   * next page must be the same list on the same registry, and the walk is bounded.
   */
  async listReferrers(repository: string, digest: string): Promise<ReferrerDescriptor[] | undefined> {
    const checked = this.checkedDigest(repository, digest);
    const base = await this.baseUrl();
    let page = apiUrl(base, { segments: [...this.repositorySegments(repository), "referrers", checked] });
    const seen = new Set([page.href]);
    const listed = new Map<string, ReferrerDescriptor>();
    for (let pages = 1; ; pages++) {
      const answer = await this.referrersPage(page, repository, checked, pages === 1);
      if (answer === undefined) return undefined;
      // A page repeating an entry of an earlier one adds nothing.
      for (const entry of answer.entries) if (!listed.has(entry.digest)) listed.set(entry.digest, entry);
      if (answer.next === undefined) return [...listed.values()];
      const next = checkReferrersPageLink(resolveLink(answer.next, base, this.host), answer.next, base, repository, checked, this.host);
      if (seen.has(next.href))
        throw new InvalidAnswerError(`${this.host}: the referrers of ${repository}@${checked} link back to a page already read (${quoteAnswer(next.href)})`, {
          host: this.host,
        });
      if (pages >= MAX_REFERRER_PAGES)
        throw new InvalidAnswerError(`${this.host}: the referrers of ${repository}@${checked} go on past ${MAX_REFERRER_PAGES} pages`, { host: this.host });
      seen.add(next.href);
      page = next;
    }
  }

  /** One page of a referrers list; undefined for the first page's 404 (no API). A later page's 404 is an error. */
  private async referrersPage(
    url: URL,
    repository: string,
    digest: string,
    first: boolean,
  ): Promise<{ entries: ReferrerDescriptor[]; next?: string } | undefined> {
    const response = await this.send({
      method: "GET",
      target: url,
      scopes: [pull(repository)],
      kind: "referrers.list",
      headers: { accept: MediaType.ociIndex },
    });
    if (response.status === 404 && first) {
      await response.body.dump();
      return undefined;
    }
    if (response.status !== 200) throw await errorFromResponse(response, this.host, `listing referrers of ${repository}@${digest}`);
    const origin = `the referrers of ${this.host}/${repository}@${digest}`;
    const contentType = header(response, "content-type");
    if (contentType && checkMediaType(contentType, this.host, origin) !== MediaType.ociIndex) {
      await response.body.dump();
      throw new InvalidAnswerError(`${this.host}: ${origin} came as ${quoteAnswer(contentType)}, expected ${MediaType.ociIndex}`, { host: this.host });
    }
    const entries = parseReferrersIndex(await this.boundedBody(response, MAX_LIST_PAGE_BYTES, `a page of ${origin}`), this.host, origin);
    return { entries, next: nextLinkTarget(response.headers.link) };
  }

  /** Opens a blob for streaming; the caller must consume or destroy the body. */
  async getBlob(repository: string, digest: string): Promise<BlobStream> {
    const response = await this.send({ method: "GET", target: this.blobPath(repository, digest), scopes: [pull(repository)], kind: "blob.get" });
    if (response.status !== 200) throw await errorFromResponse(response, this.host, `reading blob ${digest} from ${repository}`);
    const length = Number(header(response, "content-length"));
    return { body: response.body, size: Number.isFinite(length) ? length : undefined };
  }

  /**
   * The rest of a blob from byte `offset` on (`Range: bytes=<offset>-`), to resume a read that
   * broke off; undefined when the registry ignores ranges (answers 200) or answers another
   * range than asked, so the caller starts over instead.
   */
  async getBlobFrom(repository: string, digest: string, offset: number): Promise<BlobStream | undefined> {
    const response = await this.send({
      method: "GET",
      target: this.blobPath(repository, digest),
      scopes: [pull(repository)],
      kind: "blob.get-range",
      headers: { range: `bytes=${offset}-` },
    });
    if (response.status === 200 || response.status === 416) {
      await response.body.dump();
      return undefined;
    }
    if (response.status !== 206) throw await errorFromResponse(response, this.host, `reading blob ${digest} from ${repository} at byte ${offset}`);
    const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header(response, "content-range") ?? "");
    if (!range || Number(range[1]) !== offset) {
      response.body.destroy();
      return undefined;
    }
    const length = Number(header(response, "content-length"));
    return { body: response.body, size: Number.isFinite(length) ? length : undefined };
  }

  /**
   * Starts an upload, first trying to mount the blob from another repository of this
   * registry. A registry that cannot mount answers 202 with an upload session instead.
   */
  async startUpload(repository: string, mount?: { digest: string; from: string }): Promise<MountResult> {
    const query = mount ? { mount: this.checkedDigest(repository, mount.digest), from: checkRepository(mount.from, this.host) } : undefined;
    // A mount from the repository itself (asking whether it holds the blob) needs no second scope, nor a token for one.
    const scopes = mount && mount.from !== repository ? [push(repository), pull(mount.from)] : [push(repository)];
    const target = { segments: [...this.repositorySegments(repository), "blobs", "uploads", ""], query };
    const response = await this.send({ method: "POST", target, scopes, kind: mount ? "blob.mount" : "blob.upload-start", headers: { "content-length": "0" } });
    await response.body.dump();
    if (mount && response.status === 201) return { mounted: true };
    if (response.status !== 202) throw await errorFromResponse(response, this.host, `starting an upload to ${repository}`);
    const location = header(response, "location");
    if (!location) throw new RegistryError(`${this.host}: upload to ${repository} started without a Location header`, { host: this.host });
    return { mounted: false, uploadUrl: checkUploadLocation(location, await this.baseUrl(), repository, this.host) };
  }

  /** Monolithic upload: the whole blob in one streamed PUT, never buffered. */
  async putBlob(repository: string, uploadUrl: URL, digest: string, size: number, body: Readable | Buffer): Promise<void> {
    const response = await this.send({
      method: "PUT",
      target: withDigest(uploadUrl, this.checkedDigest(repository, digest)),
      scopes: [push(repository)],
      kind: "blob.put",
      headers: { "content-type": "application/octet-stream", "content-length": String(size) },
      body,
    });
    if (response.status !== 201) throw await errorFromResponse(response, this.host, `uploading blob ${digest} to ${repository}`);
    await response.body.dump();
    this.transport.stats.bytesUploaded += size;
  }

  /**
   * One `PATCH` of bytes `offset..offset+length-1` (a chunked upload, `PATCH`es then
   * `completeUpload`); returns the session URL for the next request. A streamed chunk is sent
   * once, never re-sent blindly: after a break the session is asked where it stands.
   */
  async putBlobChunk(repository: string, uploadUrl: URL, digest: string, offset: number, chunk: Readable | Buffer, length: number): Promise<URL> {
    const response = await this.send({
      method: "PATCH",
      target: uploadUrl,
      scopes: [push(repository)],
      kind: "blob.patch",
      headers: { "content-type": "application/octet-stream", "content-length": String(length), "content-range": `${offset}-${offset + length - 1}` },
      body: chunk,
    });
    if (response.status !== 202) throw await errorFromResponse(response, this.host, `uploading a chunk of ${digest} to ${repository} at offset ${offset}`);
    await response.body.dump();
    this.transport.stats.bytesUploaded += length;
    const next = header(response, "location");
    return next ? checkUploadLocation(next, await this.baseUrl(), repository, this.host) : uploadUrl;
  }

  /** The closing `PUT ?digest=` of a session whose bytes all arrived by `PATCH`; the registry checks the digest. */
  async completeUpload(repository: string, uploadUrl: URL, digest: string): Promise<void> {
    const response = await this.send({
      method: "PUT",
      target: withDigest(uploadUrl, this.checkedDigest(repository, digest)),
      scopes: [push(repository)],
      kind: "blob.put",
      headers: { "content-length": "0" },
    });
    if (response.status !== 201) throw await errorFromResponse(response, this.host, `completing the upload of ${digest} to ${repository}`);
    await response.body.dump();
  }

  /**
   * `GET` on an upload session: how many bytes of the `size`-byte blob the registry holds
   * (`Range: 0-<last>`) and where the next request goes. Undefined when the registry no
   * longer knows the session (404, 400, 416: distribution cancels a session that a broken
   * request wrote to), so the caller starts over; the answer is checked, never trusted.
   */
  async uploadStatus(repository: string, uploadUrl: URL, size: number): Promise<UploadStatus | undefined> {
    const response = await this.send({ method: "GET", target: uploadUrl, scopes: [push(repository)], kind: "blob.upload-status" });
    if (response.status === 404 || response.status === 400 || response.status === 416) {
      await response.body.dump();
      return undefined;
    }
    if (response.status !== 204) throw await errorFromResponse(response, this.host, `reading the upload session of ${repository}`);
    await response.body.dump();
    const context = `the upload session status of ${this.host}/${repository}`;
    const held = checkUploadRange(header(response, "range"), size, this.host, context);
    const next = header(response, "location");
    return { held, uploadUrl: next ? checkUploadLocation(next, await this.baseUrl(), repository, this.host) : uploadUrl };
  }

  /** Abandons an upload session (a mount answered with 202 we do not want to use). */
  /**
   * Asks the registry to drop an upload session and its partial data; the status it answered (2xx:
   * dropped). Distribution answers 404 BLOB_UPLOAD_INVALID for a session whose upload broke off:
   * that data stays until the registry purges stale uploads.
   */
  async cancelUpload(repository: string, uploadUrl: URL): Promise<number> {
    const response = await this.send({ method: "DELETE", target: uploadUrl, scopes: [push(repository)], kind: "blob.upload-cancel" });
    await response.body.dump();
    return response.status;
  }

  /**
   * Every tag, following `Link` pagination, as the registry listed them: a tag outside the
   * grammar is kept, so that the image it names fails on its own (`checkListedTag`) while
   * the rest of the repository is copied. Nothing listed reaches a URL unchecked.
   */
  async listTags(repository: string): Promise<string[]> {
    const tags: string[] = [];
    const seen = new Set<string>();
    let target: ApiPath | URL = { segments: [...this.repositorySegments(repository), "tags", "list"], query: { n: String(this.tagPageSize) } };
    for (;;) {
      const response = await this.send({ method: "GET", target, scopes: [pull(repository)], kind: "tags.list" });
      if (response.status !== 200) throw await errorFromResponse(response, this.host, `listing tags of ${repository}`);
      for (const tag of await this.tagPage(response, repository)) {
        if (tags.length >= MAX_TAGS_PER_REPOSITORY) throw this.tooManyTags(repository);
        tags.push(tag);
      }
      const raw = nextLinkTarget(response.headers.link);
      if (raw === undefined) return tags;
      const base = await this.baseUrl();
      const next = checkTagPageLink(resolveLink(raw, base, this.host), raw, base, repository, this.host);
      // A registry that links a page to itself (or back) would keep us listing forever.
      if (seen.has(next.href))
        throw new InvalidAnswerError(`${this.host}: the tag list of ${repository} links back to a page already read (${quoteAnswer(next.href)})`, {
          host: this.host,
        });
      seen.add(next.href);
      target = next;
    }
  }

  /**
   * `GET /v2/_catalog`, following `Link` pagination: every repository the credentials may
   * see, sorted. Names outside the grammar fail the listing (they would go into URLs).
   * Registries that refuse the catalog (Harbor to non-admins) answer 401/403/404: the error
   * carries the status so the caller can ask another way.
   */
  async listRepositories(): Promise<string[]> {
    const names: string[] = [];
    const seen = new Set<string>();
    const scopes: RepositoryScope[] = [{ type: "registry", repository: "catalog", actions: ["*"] }];
    let target: ApiPath | URL = { segments: ["_catalog"], query: { n: String(this.tagPageSize) } };
    for (;;) {
      const response = await this.send({ method: "GET", target, scopes, kind: "catalog.list" });
      if (response.status !== 200) throw await errorFromResponse(response, this.host, "listing repositories (GET /v2/_catalog)");
      names.push(...(await this.catalogPage(response)));
      const raw = nextLinkTarget(response.headers.link);
      if (raw === undefined) return names.sort();
      const base = await this.baseUrl();
      const next = checkCatalogPageLink(resolveLink(raw, base, this.host), raw, base, this.host);
      if (seen.has(next.href))
        throw new InvalidAnswerError(`${this.host}: the catalog links back to a page already read (${quoteAnswer(next.href)})`, { host: this.host });
      seen.add(next.href);
      target = next;
    }
  }

  private async catalogPage(response: HttpResponse): Promise<string[]> {
    const bytes = await this.boundedBody(response, MAX_LIST_PAGE_BYTES, "a page of the catalog");
    let body: { repositories?: unknown };
    try {
      body = JSON.parse(bytes.toString("utf8")) as { repositories?: unknown };
    } catch {
      throw new InvalidAnswerError(`${this.host}: the catalog is not JSON`, { host: this.host });
    }
    const names = body?.repositories ?? [];
    if (!Array.isArray(names)) throw new InvalidAnswerError(`${this.host}: the catalog's repositories are not a list`, { host: this.host });
    return names.map((name) => checkListedRepository(name, this.host));
  }

  private async tagPage(response: HttpResponse, repository: string): Promise<string[]> {
    const bytes = await this.boundedBody(response, MAX_LIST_PAGE_BYTES, `a page of the tag list of ${repository}`);
    let body: { tags?: unknown };
    try {
      body = JSON.parse(bytes.toString("utf8")) as { tags?: unknown };
    } catch {
      throw new InvalidAnswerError(`${this.host}: the tag list of ${repository} is not JSON`, { host: this.host });
    }
    const tags = body?.tags ?? [];
    if (!Array.isArray(tags) || !tags.every((tag) => typeof tag === "string")) {
      throw new InvalidAnswerError(`${this.host}: the tag list of ${repository} is not a list of strings`, { host: this.host });
    }
    return tags;
  }

  /** The body, refused while it is read once it passes `limit` bytes. */
  private boundedBody(response: HttpResponse, limit: number, what: string): Promise<Buffer> {
    return readBoundedBody(response.body, response.headers["content-length"], limit, (size) => answerTooLarge(this.host, what, size, limit));
  }

  private tooManyTags(repository: string): InvalidAnswerError {
    return new InvalidAnswerError(
      `${this.host}: the tag list of ${repository} goes past ${MAX_TAGS_PER_REPOSITORY} tags, the most registry-dr reads of one repository`,
      { host: this.host },
    );
  }

  /** `<repository>/manifests/<tag or digest>`, each part checked against the grammar. */
  private manifestPath(repository: string, reference: string): ApiPath {
    return { segments: [...this.repositorySegments(repository), "manifests", checkReference(reference, this.host, repository)] };
  }

  private blobPath(repository: string, digest: string): ApiPath {
    return { segments: [...this.repositorySegments(repository), "blobs", this.checkedDigest(repository, digest)] };
  }

  private checkedDigest(repository: string, digest: string): string {
    return checkAnsweredDigest(digest, this.host, `a blob reference for ${this.host}/${repository}`);
  }

  private repositorySegments(repository: string): string[] {
    return checkRepository(repository, this.host).split("/");
  }

  private async send(request: ClientRequest): Promise<HttpResponse> {
    const url = request.target instanceof URL ? request.target : apiUrl(await this.baseUrl(), request.target);
    for (let attempt = 0; ; attempt++) {
      const presented = await this.auth.authorization(request.scopes);
      const headers = { ...request.headers, ...(presented ? { authorization: presented.header } : {}) };
      const response = await this.transport.send({ method: request.method, url, headers, body: request.body, kind: request.kind, insecure: this.insecure });
      // A 401 teaches the challenge (first contact), means the token lacks a scope, or that the login lapsed: retry once.
      if (response.status !== 401 || attempt > 0 || request.body instanceof Readable) return response;
      this.auth.learnChallenge(response.headers["www-authenticate"]);
      this.auth.refused(request.scopes, presented);
      if (!this.auth.canAnswerChallenge) return response;
      await response.body.dump();
    }
  }

  /** `https://host` or, for an insecure registry answering only plain HTTP, `http://host`. */
  async origin(): Promise<string> {
    return (await this.baseUrl()).origin;
  }

  private baseUrl(): Promise<URL> {
    this.base ??= this.detectScheme().catch((error) => {
      this.base = undefined;
      throw error;
    });
    return this.base;
  }

  /** HTTPS always comes first; plain HTTP is tried only for registries marked insecure. */
  private async detectScheme(): Promise<URL> {
    const https = new URL(`https://${this.host}/v2/`);
    if (!this.insecure) return https;
    try {
      const response = await this.transport.send({ method: "GET", url: https, kind: "ping.scheme", insecure: true, maxRetries: 0 });
      await response.body.dump();
      return https;
    } catch (error) {
      if (!(error instanceof NetworkError)) throw error;
      return new URL(`http://${this.host}/v2/`);
    }
  }
}

function header(response: HttpResponse, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Built from encoded segments, never by resolving a string against the base. */
function apiUrl(base: URL, path: ApiPath): URL {
  const url = new URL(base.origin);
  url.pathname = `/v2/${path.segments.map(encodePathSegment).join("/")}`;
  for (const [name, value] of Object.entries(path.query ?? {})) url.searchParams.set(name, value);
  return url;
}

/** Percent-encodes all but RFC 3986's pchar: `sha256:...` keeps its colon, as registries expect it. */
function encodePathSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/%3A/gi, ":").replace(/%40/gi, "@");
}

function resolveLink(raw: string, base: URL, host: string): URL {
  try {
    return new URL(raw, base);
  } catch {
    throw new InvalidAnswerError(`${host}: invalid Link ${quoteAnswer(raw)}: not a URL`, { host });
  }
}

function withDigest(uploadUrl: URL, digest: string): URL {
  const url = new URL(uploadUrl);
  url.searchParams.set("digest", digest);
  return url;
}
