import { isDigest } from "./digest";
import { RegistryError } from "./errors";
import { isValidRepository, isValidTag } from "./reference";

/**
 * A registry's answers are untrusted input: a tag it lists, a digest it names in a header
 * or an index, a media type, a `Location` or `Link` URL all end up in the URLs and headers
 * of later requests, possibly to another registry. Each is checked against the
 * distribution grammar here, before it is used, so a hostile registry cannot steer a
 * request (`../../v2/victim/app/manifests/prod`) outside the repository it is about.
 */

/** A registry answered something outside the protocol's grammar; never retried. */
export class InvalidAnswerError extends RegistryError {
  override name = "InvalidAnswerError";
}

const SHOWN_CHARACTERS = 80;
/** RFC 6838 type/subtype; parameters (`; charset=...`) are stripped before the check. */
const MEDIA_TYPE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

/** The value as it may be shown in an error: escaped (no control characters reach a terminal) and cut short. */
export function quoteAnswer(value: unknown): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  const cut = text.length > SHOWN_CHARACTERS ? `${text.slice(0, SHOWN_CHARACTERS)}...` : text;
  return JSON.stringify(cut);
}

function invalid(host: string, message: string): InvalidAnswerError {
  return new InvalidAnswerError(message, { host, retryable: false });
}

/** A tag from a registry's tag list; `where` is `host/repository`. */
export function checkListedTag(tag: unknown, host: string, repository: string): string {
  if (typeof tag !== "string" || !isValidTag(tag)) throw invalid(host, `invalid tag ${quoteAnswer(tag)} listed by ${host}/${repository}`);
  return tag;
}

/** A digest a registry named; `context` completes "in ...", e.g. "the index of host/repo:tag". */
export function checkAnsweredDigest(digest: unknown, host: string, context: string): string {
  if (typeof digest !== "string" || !isDigest(digest)) throw invalid(host, `invalid digest ${quoteAnswer(digest)} in ${context}`);
  return digest;
}

/** A media type from `Content-Type` or a manifest field, without its parameters. */
export function checkMediaType(mediaType: unknown, host: string, context: string): string {
  const bare = typeof mediaType === "string" ? mediaType.split(";")[0].trim() : mediaType;
  if (typeof bare !== "string" || !MEDIA_TYPE_PATTERN.test(bare)) throw invalid(host, `invalid media type ${quoteAnswer(mediaType)} in ${context}`);
  return bare;
}

/** A reference about to go into a URL: a tag or a digest, nothing else. */
export function checkReference(reference: string, host: string, repository: string): string {
  if (isValidTag(reference) || isDigest(reference)) return reference;
  throw invalid(host, `invalid tag or digest ${quoteAnswer(reference)} for ${host}/${repository}`);
}

export function checkRepository(repository: string, host: string): string {
  if (!isValidRepository(repository)) throw invalid(host, `invalid repository name ${quoteAnswer(repository)} for ${host}`);
  return repository;
}

/**
 * An upload session URL (`Location` of a POST or PATCH): it may be relative, and the
 * registry picks the session id, but it must stay on the origin the request went to and
 * under `/v2/<repository>/blobs/uploads/`, with the session id as one path segment.
 */
export function checkUploadLocation(location: string, requestUrl: URL, repository: string, host: string): URL {
  const url = resolveOnOrigin(location, requestUrl, host, "upload Location");
  const prefix = `/v2/${repository}/blobs/uploads/`;
  const session = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : undefined;
  if (session === undefined || !isSingleSegment(session)) {
    throw invalid(host, `invalid upload Location ${quoteAnswer(location)} from ${host}: expected a URL under ${prefix}`);
  }
  return url;
}

/**
 * The `Range: 0-<last>` of an upload session's status: how many bytes the registry holds. It
 * decides where the next byte is sent from, so it must be in the grammar and within the blob.
 * distribution answers `0-0` for an empty session as for one holding a byte: read as empty
 * (at worst the next chunk is refused with a 416 and the upload starts over).
 */
export function checkUploadRange(range: string | undefined, size: number, host: string, context: string): number {
  const match = /^(?:bytes=)?0-(\d{1,15})$/.exec(range ?? "");
  if (!match) throw invalid(host, `invalid Range ${quoteAnswer(range ?? "(none)")} in ${context}: expected 0-<last byte held>`);
  const held = match[1] === "0" ? 0 : Number(match[1]) + 1;
  if (held > size) throw invalid(host, `invalid Range ${quoteAnswer(range)} in ${context}: the registry claims ${held} bytes of a ${size}-byte blob`);
  return held;
}

/** The next page of a tag list (`Link: <...>; rel="next"`): same origin, same list. */
export function checkTagPageLink(next: URL, raw: string, requestUrl: URL, repository: string, host: string): URL {
  if (next.origin !== requestUrl.origin || next.pathname !== `/v2/${repository}/tags/list` || next.username || next.password) {
    throw invalid(host, `invalid Link ${quoteAnswer(raw)} from ${host}: expected the next page of /v2/${repository}/tags/list on ${requestUrl.origin}`);
  }
  return next;
}

/**
 * The next page of a referrers list: same origin, same repository, same subject. A colon
 * the registry percent-encoded in the digest (`sha256%3A...`) is the same path.
 */
export function checkReferrersPageLink(next: URL, raw: string, requestUrl: URL, repository: string, digest: string, host: string): URL {
  const path = `/v2/${repository}/referrers/${digest}`;
  if (next.origin !== requestUrl.origin || next.pathname.replace(/%3A/gi, ":") !== path || next.username || next.password) {
    throw invalid(host, `invalid Link ${quoteAnswer(raw)} from ${host}: expected the next page of ${path} on ${requestUrl.origin}`);
  }
  return next;
}

/** The next page of the catalog: same origin, same list. */
export function checkCatalogPageLink(next: URL, raw: string, requestUrl: URL, host: string): URL {
  if (next.origin !== requestUrl.origin || next.pathname !== "/v2/_catalog" || next.username || next.password) {
    throw invalid(host, `invalid Link ${quoteAnswer(raw)} from ${host}: expected the next page of /v2/_catalog on ${requestUrl.origin}`);
  }
  return next;
}

/** A repository name a registry listed (catalog, Harbor's API): it goes into URLs, so it must be in the grammar. */
export function checkListedRepository(name: unknown, host: string): string {
  if (typeof name !== "string" || !isValidRepository(name)) throw invalid(host, `invalid repository name ${quoteAnswer(name)} listed by ${host}`);
  return name;
}

function resolveOnOrigin(value: string, requestUrl: URL, host: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(value, requestUrl);
  } catch {
    throw invalid(host, `invalid ${what} ${quoteAnswer(value)} from ${host}: not a URL`);
  }
  if (url.origin !== requestUrl.origin || url.username || url.password) {
    throw invalid(host, `invalid ${what} ${quoteAnswer(value)} from ${host}: it leaves ${requestUrl.origin}`);
  }
  return url;
}

/** One path segment: no slash, and none hidden in an escape (%2F, %5C) or a dot segment. */
function isSingleSegment(segment: string): boolean {
  if (segment === "" || segment.includes("/")) return false;
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    return false;
  }
  return !/[/\\]/.test(decoded) && decoded !== "." && decoded !== ".." && !/[\u0000-\u001f\u007f]/.test(decoded);
}
