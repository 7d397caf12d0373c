import { Agent, createServer, IncomingMessage, request, Server, ServerResponse } from "node:http";
import { listenOnLoopback } from "./loopback-server";
import { fail, forward } from "./tag-pagination-proxy";

/**
 * Distribution 2.8 has no referrers API (404 on /v2/<name>/referrers/<digest>). This front
 * gives a real registry one, as distribution 3, Harbor 2.8+ and Zot serve it: it watches
 * manifests pushed through it, remembers those naming a `subject`, and answers the API from
 * that, strict about the OCI 1.1 spec: an OCI index (`application/vnd.oci.image.index.v1+json`),
 * each entry's `artifactType` (the manifest's, else its config's media type) and annotations,
 * the `artifactType` filter with `OCI-Filters-Applied`, 400 for a malformed digest. Every
 * other request passes through with its Host header. Deletes through it are forgotten too.
 *
 * With `pageSize` it pages the list as the spec allows ("Link: <...>; rel=\"next\"" while
 * entries remain, none on the last page, each page an index of different entries, the filter
 * applied to every page and carried in the link); the cursor is `last=<digest>`, the last
 * entry of the page before, and a cursor naming no entry is a 400. `nextLink` rewrites the
 * link a page carries, to play a hostile registry.
 */

export interface ReferrersFront {
  /** "127.0.0.1:PORT" of the front. */
  host: string;
  url: string;
  /** Referrers API requests answered, for assertions on how the client discovered them. */
  apiRequests(): number;
  /** Every request seen, as "METHOD path?query", in order. */
  requests(): string[];
  stop(): Promise<void>;
}

export interface ReferrersFrontOptions {
  /** Entries per page of the referrers list; unpaged without it. */
  pageSize?: number;
  /** The link a page goes out with, given the one it would carry (undefined on the last page); undefined sends none. */
  nextLink?: (page: { repository: string; digest: string; number: number; next?: string }) => string | undefined;
  /** Entries listed for a subject besides those pushed through the front: a registry whose list is wrong. */
  alsoList?: (repository: string, digest: string) => Entry[];
}

export interface Entry {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

const MANIFEST = /^\/v2\/(.+)\/manifests\/([^/]+)$/;
const REFERRERS = /^\/v2\/(.+)\/referrers\/([^/]+)$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const OCI_INDEX = "application/vnd.oci.image.index.v1+json";

export async function startReferrersFront(upstream: URL, options: ReferrersFrontOptions = {}): Promise<ReferrersFront> {
  if (options.pageSize !== undefined && !(Number.isSafeInteger(options.pageSize) && options.pageSize > 0))
    throw new Error(`pageSize must be a positive integer, got ${options.pageSize}`);
  const agent = new Agent({ keepAlive: true });
  // repository -> subject digest -> entries
  const index = new Map<string, Map<string, Entry[]>>();
  let apiRequests = 0;
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const url = new URL(req.url ?? "/", "http://front");
    const referrers = REFERRERS.exec(url.pathname);
    if (referrers && req.method === "GET") {
      apiRequests++;
      answerReferrers(
        res,
        {
          repository: referrers[1],
          digest: referrers[2],
          entries: [...(index.get(referrers[1])?.get(referrers[2]) ?? []), ...(options.alsoList?.(referrers[1], referrers[2]) ?? [])],
          query: url.searchParams,
        },
        options,
      );
      return;
    }
    const manifest = MANIFEST.exec(url.pathname);
    if (manifest && req.method === "PUT") return recordPush(req, res, upstream, agent, manifest[1], index);
    if (manifest && req.method === "DELETE") forget(index, manifest[1], manifest[2]);
    forward(req, res, upstream, agent);
  });
  const { port, close } = await listenOnLoopback(server);
  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    apiRequests: () => apiRequests,
    requests: () => [...seen],
    stop: async () => {
      await close();
      agent.destroy();
    },
  };
}

interface ReferrersAsk {
  repository: string;
  digest: string;
  entries: Entry[];
  query: URLSearchParams;
}

function answerReferrers(res: ServerResponse, ask: ReferrersAsk, options: ReferrersFrontOptions): void {
  if (!DIGEST.test(ask.digest)) return refuse(res, 400, "DIGEST_INVALID", "invalid digest");
  const artifactType = ask.query.get("artifactType");
  const shown = artifactType === null ? ask.entries : ask.entries.filter((entry) => entry.artifactType === artifactType);
  const page = pageOf(shown, ask.query.get("last"), options.pageSize);
  if (!page) return refuse(res, 400, "UNSUPPORTED", "the last parameter names no referrer of this subject");
  const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: page.entries }));
  const headers: Record<string, string> = {
    "content-type": OCI_INDEX,
    "content-length": String(body.length),
    "docker-distribution-api-version": "registry/2.0",
  };
  if (artifactType !== null) headers["oci-filters-applied"] = "artifactType";
  const next = page.rest > 0 ? nextPage(ask, page.entries[page.entries.length - 1].digest, options.pageSize!) : undefined;
  const link = options.nextLink ? options.nextLink({ repository: ask.repository, digest: ask.digest, number: page.number, next }) : next;
  if (link !== undefined) headers.link = `<${link}>; rel="next"`;
  res.writeHead(200, headers).end(body);
}

/** The page after the entry `last` (the first page without it); undefined when `last` is no entry. */
function pageOf(entries: Entry[], last: string | null, pageSize: number | undefined): { entries: Entry[]; rest: number; number: number } | undefined {
  const start = last === null ? 0 : entries.findIndex((entry) => entry.digest === last) + 1;
  if (start === 0 && last !== null) return undefined;
  const size = pageSize ?? entries.length;
  const page = entries.slice(start, start + size);
  return { entries: page, rest: entries.length - start - page.length, number: size === 0 ? 1 : Math.floor(start / size) + 1 };
}

/** Relative, as registries write them; the filter goes along so every page is filtered alike. */
function nextPage(ask: ReferrersAsk, last: string, pageSize: number): string {
  const query = new URLSearchParams({ n: String(pageSize), last });
  const artifactType = ask.query.get("artifactType");
  if (artifactType !== null) query.set("artifactType", artifactType);
  return `/v2/${ask.repository}/referrers/${ask.digest}?${query}`;
}

function refuse(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ errors: [{ code, message }] }));
}

function recordPush(
  req: IncomingMessage,
  res: ServerResponse,
  upstream: URL,
  agent: Agent,
  repository: string,
  index: Map<string, Map<string, Entry[]>>,
): void {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    const outgoing = request({ host: upstream.hostname, port: upstream.port, method: "PUT", path: req.url, headers: req.headers, agent }, (answer) => {
      if (answer.statusCode === 201)
        remember(index, repository, body, String(req.headers["content-type"] ?? ""), String(answer.headers["docker-content-digest"] ?? ""));
      // Registries with the API say which subject they indexed.
      const subject = subjectOf(body);
      const headers = [...answer.rawHeaders, ...(answer.statusCode === 201 && subject ? ["OCI-Subject", subject] : [])];
      res.writeHead(answer.statusCode ?? 502, headers);
      answer.pipe(res);
    });
    outgoing.on("error", (error) => fail(res, error));
    outgoing.end(body);
  });
}

function remember(index: Map<string, Map<string, Entry[]>>, repository: string, body: Buffer, mediaType: string, digest: string): void {
  let json: Record<string, any>;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch {
    return;
  }
  const subject = subjectOf(body);
  if (!subject || !DIGEST.test(digest)) return;
  const entry: Entry = { mediaType: mediaType.split(";")[0], digest, size: body.length };
  const artifactType = json.artifactType ?? json.config?.mediaType;
  if (typeof artifactType === "string") entry.artifactType = artifactType;
  if (json.annotations) entry.annotations = json.annotations;
  const bySubject = index.get(repository) ?? new Map<string, Entry[]>();
  index.set(repository, bySubject);
  const entries = (bySubject.get(subject) ?? []).filter((existing) => existing.digest !== digest);
  bySubject.set(subject, [...entries, entry]);
}

function forget(index: Map<string, Map<string, Entry[]>>, repository: string, digest: string): void {
  for (const [subject, entries] of index.get(repository) ?? [])
    index.get(repository)!.set(
      subject,
      entries.filter((entry) => entry.digest !== digest),
    );
}

function subjectOf(body: Buffer): string | undefined {
  try {
    const digest = JSON.parse(body.toString("utf8"))?.subject?.digest;
    return typeof digest === "string" ? digest : undefined;
  } catch {
    return undefined;
  }
}
