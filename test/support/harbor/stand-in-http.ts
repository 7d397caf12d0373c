/**
 * The stand-in's vocabulary for answering like Harbor: a fault is Harbor's error body with
 * its status; a reply is status, JSON body and headers; lists are paged as Harbor pages them.
 */

export type HarborErrorCode =
  | "BAD_REQUEST"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "METHOD_NOT_ALLOWED"
  | "CONFLICT"
  | "PRECONDITION"
  | "UNPROCESSABLE_ENTITY"
  | "UNKNOWN";

const CODES: Record<number, HarborErrorCode> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  409: "CONFLICT",
  412: "PRECONDITION",
  422: "UNPROCESSABLE_ENTITY",
  500: "UNKNOWN",
};

export class HarborFault extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }

  get body(): { errors: { code: string; message: string }[] } {
    return { errors: [{ code: CODES[this.status] ?? "UNKNOWN", message: this.message }] };
  }
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface HandlerContext {
  pathParams: Record<string, string>;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: any;
  /** The authenticated user: "admin" or a robot's full name. */
  user: string;
}

export type Handler = (context: HandlerContext) => Reply | Promise<Reply>;

export const ok = (body?: unknown): Reply => ({ status: 200, body });

/** 201 with no body and the new resource's path in Location, as every Harbor create does. */
export const created = (basePath: string, collection: string, id: number | string): Reply => ({
  status: 201,
  headers: { location: `${basePath}/${collection}/${id}` },
});

export function notFound(what: string): never {
  throw new HarborFault(404, `${what} not found`);
}

export function badRequest(message: string): never {
  throw new HarborFault(400, message);
}

/** One page of `items` with X-Total-Count and a Link to the next page, as Harbor's lists answer. */
export function paged<T>(items: T[], query: URLSearchParams, path: string): Reply {
  const page = Number(query.get("page") ?? 1);
  const pageSize = Number(query.get("page_size") ?? 10);
  const start = (page - 1) * pageSize;
  const headers: Record<string, string> = { "x-total-count": String(items.length) };
  if (start + pageSize < items.length) {
    const next = new URLSearchParams(query);
    next.set("page", String(page + 1));
    next.set("page_size", String(pageSize));
    headers.link = `<${path}?${next}>; rel="next"`;
  }
  return { status: 200, body: items.slice(start, start + pageSize), headers };
}

/** Harbor's `q=name=value` (exact) and `q=name=~value` (fuzzy), or the plain `name=` parameter, for one key. */
export function queryFilter(query: URLSearchParams, key: string, plainIsFuzzy = false): ((value: string) => boolean) | undefined {
  const q = query.get("q");
  const plain = query.get(key);
  if (plain) return plainIsFuzzy ? (value) => value.includes(plain) : (value) => value === plain;
  if (!q) return undefined;
  for (const clause of q.split(",")) {
    const [name, ...rest] = clause.split("=");
    const wanted = rest.join("=");
    if (name !== key) continue;
    return wanted.startsWith("~") ? (value) => value.includes(wanted.slice(1)) : (value) => value === wanted;
  }
  return undefined;
}

export const now = (): string => new Date().toISOString();
