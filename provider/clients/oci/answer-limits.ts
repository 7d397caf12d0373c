import type { Readable } from "node:stream";
import { InvalidAnswerError } from "./registry-answers";

/**
 * How much of an answer a registry may make us hold. Every answer is untrusted: a front that
 * serves a 100 MB "manifest" or a million-tag list must be refused while it is read, never
 * buffered whole first.
 */

/** containers/image (Podman, Skopeo, CRI-O) refuses manifests over 4 MiB; no real one comes near. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/**
 * One page of a tag list, the catalog or a referrers list. distribution 2.8 ignores `n` and sends
 * every tag in one page: 100,000 tags of 128 characters is 13 MB, so this leaves room for that.
 */
export const MAX_LIST_PAGE_BYTES = 32 * 1024 * 1024;
/**
 * Tags in one repository. The largest real repositories (CI images tagged per commit) hold tens
 * of thousands; a million strings take about a gigabyte of heap, past SyncSchedule's default
 * memory limit, before a single image is copied.
 */
export const MAX_TAGS_PER_REPOSITORY = 100_000;
/** What of an error answer is kept for its message: the code and message come first. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

/**
 * The body, read up to `limit` bytes: a `Content-Length` over it is refused before a byte is
 * read, and a body that runs past it (chunked, or lying about its length) as soon as it does.
 */
export async function readBoundedBody(
  body: Readable,
  declaredLength: string | string[] | undefined,
  limit: number,
  tooLarge: (size: string) => Error,
): Promise<Buffer> {
  const declared = Number(Array.isArray(declaredLength) ? declaredLength[0] : declaredLength);
  if (Number.isFinite(declared) && declared > limit) {
    body.destroy();
    throw tooLarge(`${declared} bytes`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += (chunk as Buffer).length;
    if (total > limit) {
      body.destroy();
      throw tooLarge(`more than ${limit} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, total);
}

/** The start of a body (an error's), at most `limit` bytes; the rest is dropped unread. */
export async function readBodyStart(body: Readable, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    chunks.push(chunk as Buffer);
    total += (chunk as Buffer).length;
    if (total >= limit) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks, total).subarray(0, limit).toString("utf8");
}

export function answerTooLarge(host: string, what: string, size: string, limit: number): InvalidAnswerError {
  return new InvalidAnswerError(`${host}: ${what} is ${size}, over the limit of ${formatLimit(limit)}`, { host, retryable: false });
}

function formatLimit(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB (${bytes} bytes)` : `${bytes} bytes`;
}
