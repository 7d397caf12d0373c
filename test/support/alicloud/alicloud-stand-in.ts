import { createServer, IncomingMessage, ServerResponse } from "node:http";
import { listenOnLoopback } from "../loopback-server";
import { Acs3Verifier, StandInAccessKey } from "./acs3-verifier";
import { AcrApi } from "./acr-api";
import { readParams } from "./action-params";
import { AlidnsApi } from "./alidns-api";
import { AlicloudFault, contractFault, errorBody, newRequestId } from "./api-fault";
import { PrivateZoneApi } from "./privatezone-api";
import type { ActionTable } from "./product-api";

/**
 * Alibaba Cloud for tests: PrivateZone, Alibaba Cloud DNS and Container Registry, each on
 * its own loopback port as each has its own endpoint. Every request's ACS3 signature is
 * checked, every parameter against the action's documented list; answers and errors are
 * shaped like the real gateway's. Requests that break the contract are answered with the
 * gateway's error and recorded in `violations()`, which tests expect to be empty.
 */

export interface AlicloudStandInOptions {
  /** AccessKey id -> its secret (and STS token, for an STS key). */
  accessKeys: Record<string, StandInAccessKey>;
  /** How long a GetAuthorizationToken login lasts. Default one hour, as ACR's. */
  acrTokenLifetimeMs?: number;
}

export type StandInProduct = "pvtz" | "alidns" | "cr";

export interface AlicloudRequestLog {
  product: StandInProduct;
  action: string;
  params: Record<string, string>;
  status: number;
  code?: string;
  /** Who signed it, once the signature checked out. */
  accessKeyId?: string;
}

export interface AlicloudStandIn {
  /** Per product, in the shape of the `alicloud:endpoints` config entry. */
  endpoints: Record<StandInProduct, string>;
  requests(): AlicloudRequestLog[];
  clearRequests(): void;
  violations(): string[];
  /** The next `times` calls of `action` are refused with Throttling.User. */
  throttle(action: string, times: number): void;
  /** The next `times` calls of `action` fail with `status` and `code` before doing anything. */
  failNext(action: string, times: number, status?: number, code?: string): void;
  /** A public domain in Alibaba Cloud DNS; `minTtl` is its edition's TTL floor (free: 600). */
  addDomain(name: string, options?: { minTtl?: number }): void;
  addAcrInstance(instanceId: string): void;
  /** A hostile PrivateZone: DescribeZoneInfo answers this ZoneName (any JSON value) for the zone from now on. */
  reportZoneNameAs(zoneId: string, zoneName: unknown): void;
  /** Whether a registry login is a live GetAuthorizationToken login: what ACR's token service checks. */
  acrLoginValid(username: string, password: string): boolean;
  stop(): Promise<void>;
}

const VERSIONS: Record<StandInProduct, string> = { pvtz: "2018-01-01", alidns: "2015-01-09", cr: "2018-12-01" };

export async function startAlicloudStandIn(options: AlicloudStandInOptions): Promise<AlicloudStandIn> {
  const verifier = new Acs3Verifier(options.accessKeys);
  const privateZone = new PrivateZoneApi();
  const alidns = new AlidnsApi();
  const acr = new AcrApi(options.acrTokenLifetimeMs ?? 3_600_000);
  const tables: Record<StandInProduct, ActionTable> = { pvtz: privateZone.actions, alidns: alidns.actions, cr: acr.actions };
  const log: AlicloudRequestLog[] = [];
  const violations: string[] = [];
  const injected = new Map<string, { times: number; fault: AlicloudFault }[]>();

  const injectedFault = (action: string): AlicloudFault | undefined => {
    const queue = injected.get(action) ?? [];
    const next = queue[0];
    if (!next) return undefined;
    if (--next.times <= 0) queue.shift();
    return next.fault;
  };

  const handle = async (product: StandInProduct, req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? "/", "http://stand-in");
    const action = String(req.headers["x-acs-action"] ?? "");
    const entry: AlicloudRequestLog = { product, action, params: Object.fromEntries(url.searchParams), status: 200 };
    const requestId = newRequestId();
    try {
      const definition = route(product, tables[product], req, url, action);
      entry.accessKeyId = verifier.verify({ method: req.method ?? "", rawQuery: url.search.slice(1), headers: req.headers, body });
      const fault = injectedFault(action);
      if (fault) throw fault;
      const params = readParams(action, definition.params, url.searchParams);
      const answer = definition.run(params, { accessKeyId: entry.accessKeyId });
      send(res, 200, { RequestId: requestId, ...answer }, requestId);
    } catch (error) {
      const fault = error instanceof AlicloudFault ? error : contractFault(500, "InternalError", `the stand-in failed: ${(error as Error).stack}`);
      if (fault.violation) violations.push(`${product} ${action || "(no action)"} ${url.search}: ${fault.code}: ${fault.message}`);
      entry.status = fault.status;
      entry.code = fault.code;
      send(res, fault.status, errorBody(fault, requestId, req.headers.host ?? ""), requestId);
    } finally {
      log.push(entry);
    }
  };

  const listeners = await Promise.all(
    (Object.keys(VERSIONS) as StandInProduct[]).map(async (product) => {
      const server = createServer((req, res) => void handle(product, req, res));
      return [product, await listenOnLoopback(server)] as const;
    }),
  );
  return {
    endpoints: Object.fromEntries(listeners.map(([product, listening]) => [product, `http://127.0.0.1:${listening.port}`])) as Record<StandInProduct, string>,
    requests: () => log.map((entry) => ({ ...entry, params: { ...entry.params } })),
    clearRequests: () => void log.splice(0),
    violations: () => [...violations],
    throttle: (action, times) => queueFault(injected, action, times, new AlicloudFault(400, "Throttling.User", "Request was denied due to user flow control.")),
    failNext: (action, times, status = 503, code = "ServiceUnavailable") =>
      queueFault(injected, action, times, new AlicloudFault(status, code, "The request has failed due to a temporary failure of the server.")),
    addDomain: (name, domainOptions = {}) => alidns.addDomain(name, domainOptions.minTtl ?? 600),
    addAcrInstance: (instanceId) => acr.addInstance(instanceId),
    reportZoneNameAs: (zoneId, zoneName) => privateZone.reportZoneNameAs(zoneId, zoneName),
    acrLoginValid: (username, password) => acr.loginValid(username, password),
    stop: async () => void (await Promise.all(listeners.map(([, listening]) => listening.close()))),
  };
}

/** The action the request names, on the product this port serves; anything else breaks the contract. */
function route(product: StandInProduct, table: ActionTable, req: IncomingMessage, url: URL, action: string) {
  if (url.pathname !== "/") throw contractFault(404, "InvalidAction.NotFound", `RPC-style actions are sent to "/", not "${url.pathname}".`);
  if (req.method !== "POST" && req.method !== "GET") throw contractFault(405, "InvalidMethod", `RPC-style actions take POST or GET, not ${req.method}.`);
  const version = req.headers["x-acs-version"];
  if (version !== VERSIONS[product])
    throw contractFault(400, "InvalidVersion", `Specified parameter Version "${version}" is not valid for ${product}: expected ${VERSIONS[product]}.`);
  const definition = table[action];
  if (!definition) throw contractFault(404, "InvalidAction.NotFound", `Specified api "${action}" is not found for ${product} ${VERSIONS[product]}.`);
  return definition;
}

function queueFault(injected: Map<string, { times: number; fault: AlicloudFault }[]>, action: string, times: number, fault: AlicloudFault): void {
  injected.set(action, [...(injected.get(action) ?? []), { times, fault }]);
}

function send(res: ServerResponse, status: number, body: object, requestId: string): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json;charset=utf-8", "content-length": Buffer.byteLength(text), "x-acs-request-id": requestId });
  res.end(text);
}
