import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, IncomingMessage, request as httpRequest, RequestListener, ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { CertificatePair } from "../certs";
import { listenOnLoopback } from "../loopback-server";
import { RegistryServer, startRegistry } from "../registry-server";
import { executionHandlers } from "./executions";
import { policyHandlers } from "./policies";
import { addProject, projectHandlers } from "./projects";
import { registryHandlers } from "./registries";
import { robotHandlers } from "./robots";
import { Handler, HarborFault, Reply } from "./stand-in-http";
import { StandInState, StoredRegistry } from "./stand-in-state";
import { SwaggerContract } from "./swagger-contract";
import { WebhookDelivery, WebhookEvents } from "./webhook-events";
import { webhookHandlers } from "./webhooks";

/**
 * A Harbor for tests: its REST API checked request by request against Harbor's swagger file
 * and answered the way Harbor's handlers answer (quirks included), and its /v2/ a real
 * docker-registry. Every request that breaks the contract is answered with an error and
 * recorded in `violations()`, which a test expects to be empty. A manifest pushed (or
 * deleted) through its /v2/ fires the project's webhook policies, as Harbor's core does.
 */

export interface HarborStandInOptions {
  adminPassword?: string;
  /** Serve the API (and /v2/) over HTTPS with this certificate, as a private Harbor with an internal CA does. */
  tls?: CertificatePair;
  /** With `tls`: require a client certificate issued by this CA (a PEM file), as an mTLS proxy in front of Harbor does. */
  clientCaPath?: string;
}

export interface HarborApiRequest {
  method: string;
  path: string;
  query: string;
  operationId?: string;
  status: number;
  user?: string;
}

export interface HarborStandIn {
  /** "http://127.0.0.1:PORT" ("https://" with `tls`) */
  url: string;
  host: string;
  admin: { username: "admin"; password: string };
  /** The real registry behind /v2/: push test images here. */
  registry: RegistryServer;
  requests(): HarborApiRequest[];
  clearRequests(): void;
  /** Requests that broke the API contract, and stand-in answers that broke it. */
  violations(): string[];
  /** An endpoint as Harbor stores it, secret included (Harbor itself never shows it). */
  storedRegistry(id: number): StoredRegistry | undefined;
  /** Settles when every execution started so far has finished. */
  executionsSettled(): Promise<void>;
  /** Every webhook delivery that has ended, in order, with the receiver's answer. */
  webhookDeliveries(): WebhookDelivery[];
  /** Settles when every webhook delivery started so far has ended. */
  webhooksSettled(): Promise<void>;
  /** The admin's password changed (in Harbor's UI): the old one is refused from then on. */
  changeAdminPassword(password: string): void;
  stop(): Promise<void>;
}

const SWAGGER = SwaggerContract.load();

export async function startHarborStandIn(options: HarborStandInOptions = {}): Promise<HarborStandIn> {
  const admin = { username: "admin" as const, password: options.adminPassword ?? "Harbor12345" };
  const registry = await startRegistry();
  const state = new StandInState();
  addProject(state, "library", true, -1);
  const basePath = SWAGGER.basePath;
  const handlers: Record<string, Handler> = {
    ...projectHandlers(state, basePath, registry.url),
    ...registryHandlers(state, basePath),
    ...policyHandlers(state, basePath),
    ...executionHandlers(state, basePath, { url: registry.url }),
    ...robotHandlers(state, basePath),
    ...webhookHandlers(state, basePath),
  };
  let host = "";
  const webhooks = new WebhookEvents(state, () => host);
  const log: HarborApiRequest[] = [];
  const violations: string[] = [];

  const authenticate = (header: string | undefined): string | undefined => {
    const [scheme, encoded] = (header ?? "").split(" ");
    if (scheme?.toLowerCase() !== "basic" || !encoded) return undefined;
    const decoded = Buffer.from(encoded, "base64").toString("utf8");
    const user = decoded.slice(0, decoded.indexOf(":"));
    const password = decoded.slice(decoded.indexOf(":") + 1);
    if (user === admin.username && password === admin.password) return user;
    const robot = [...state.robots.values()].find((candidate) => candidate.name === user);
    return robot && !robot.disable && robot.secret === password ? user : undefined;
  };

  const answerApi = async (req: IncomingMessage, url: URL, text: string): Promise<Reply & { operationId?: string; user?: string }> => {
    const path = url.pathname.slice(basePath.length) || "/";
    const method = req.method!;
    const user = authenticate(req.headers.authorization);
    if (!user) return new FaultReply(401, "unauthorized");
    const matched = SWAGGER.match(method, path);
    if ("status" in matched) {
      violations.push(`${method} ${url.pathname}: ${matched.reason}`);
      return new FaultReply(matched.status, matched.reason);
    }
    let body: unknown;
    if (text) {
      if (!String(req.headers["content-type"]).includes("application/json"))
        return violation(415, `${matched.operationId}: a body must be sent as application/json`);
      try {
        body = JSON.parse(text);
      } catch {
        return violation(400, `${matched.operationId}: the body is not JSON`);
      }
    }
    const problems = SWAGGER.problems({ method, path, query: url.searchParams, headers: req.headers, body }, matched);
    if (problems.length > 0) return violation(422, `${matched.operationId}: ${problems.join("; ")}`);
    const handler = handlers[matched.operationId];
    if (!handler) return violation(501, `${matched.operationId}: not implemented by the Harbor stand-in`);
    if (user !== admin.username && method !== "GET" && method !== "HEAD")
      return { ...new FaultReply(403, `${user} may not ${method} ${url.pathname}`), operationId: matched.operationId, user };
    try {
      const reply = await handler({ pathParams: matched.pathParams, query: url.searchParams, headers: req.headers, body, user });
      const isText = reply.headers?.["content-type"]?.startsWith("text/");
      const responseProblems = isText ? [] : SWAGGER.responseProblems(method, path, reply.status, reply.body);
      if (responseProblems.length > 0) violations.push(`stand-in answer to ${matched.operationId}: ${responseProblems.join("; ")}`);
      return { ...reply, operationId: matched.operationId, user };
    } catch (error) {
      if (error instanceof HarborFault) return { ...new FaultReply(error.status, error.message), operationId: matched.operationId, user };
      violations.push(`${matched.operationId}: the stand-in failed: ${(error as Error).stack}`);
      return new FaultReply(500, (error as Error).message);
    }

    function violation(status: number, message: string): Reply {
      violations.push(`${method} ${url.pathname}${url.search}: ${message}`);
      return new FaultReply(status, message);
    }
  };

  const serve: RequestListener = async (req, res) => {
    const url = new URL(req.url!, "http://stand-in");
    // Harbor lists its catalog to system administrators only; others are told to use the API.
    if (url.pathname === "/v2/_catalog" && authenticate(req.headers.authorization) !== admin.username) return refuseCatalog(res);
    if (url.pathname === "/v2" || url.pathname.startsWith("/v2/"))
      return proxyToRegistry(req, res, registry.url, (status, headers) => {
        const manifest = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(url.pathname);
        if (!manifest) return;
        const operator = authenticate(req.headers.authorization) ?? "anonymous";
        const [, repository, reference] = manifest;
        if (req.method === "PUT" && status === 201) webhooks.manifestPushed(repository, reference, headerText(headers["docker-content-digest"]), operator);
        if (req.method === "DELETE" && status === 202) webhooks.manifestDeleted(repository, reference, operator);
      });
    const text = await readText(req);
    const requestId = String(req.headers["x-request-id"] ?? randomUUID());
    if (!url.pathname.startsWith(`${basePath}/`)) return send(res, new FaultReply(404, `${url.pathname} not found`), requestId, false);
    const reply = await answerApi(req, url, text);
    log.push({
      method: req.method!,
      path: url.pathname,
      query: url.search,
      operationId: (reply as { operationId?: string }).operationId,
      status: reply.status,
      user: (reply as { user?: string }).user,
    });
    send(res, reply, requestId, req.method === "HEAD");
  };
  const server = options.tls
    ? createHttpsServer(
        // TLS 1.2 with a client CA: Node refuses a missing client certificate inside the handshake
        // (an alert, as an nginx in front of Harbor does); under 1.3 it would only drop the connection after it.
        {
          cert: readFileSync(options.tls.certPath),
          key: readFileSync(options.tls.keyPath),
          ...(options.clientCaPath
            ? { ca: readFileSync(options.clientCaPath), requestCert: true, rejectUnauthorized: true, maxVersion: "TLSv1.2" as const }
            : {}),
        },
        serve,
      )
    : createServer(serve);
  const listening = await listenOnLoopback(server);
  host = `127.0.0.1:${listening.port}`;
  return {
    url: `${options.tls ? "https" : "http"}://${host}`,
    host,
    admin,
    registry,
    requests: () => [...log],
    clearRequests: () => void log.splice(0),
    violations: () => [...violations],
    storedRegistry: (id) => state.registries.get(id),
    executionsSettled: async () => void (await Promise.all([...state.executions.values()].map((execution) => execution.done))),
    webhookDeliveries: () => [...webhooks.deliveries],
    webhooksSettled: () => webhooks.settled(),
    changeAdminPassword: (password) => void (admin.password = password),
    async stop() {
      await webhooks.settled();
      await Promise.all([...state.executions.values()].map((execution) => ((execution.stopRequested = true), execution.done)));
      await listening.close();
      await registry.stop();
    },
  };
}

class FaultReply implements Reply {
  readonly body: unknown;
  constructor(
    readonly status: number,
    message: string,
  ) {
    this.body = new HarborFault(status, message).body;
  }
}

function send(res: ServerResponse, reply: Reply, requestId: string, headOnly: boolean): void {
  const headers: Record<string, string> = { "x-request-id": requestId, ...reply.headers };
  let payload = "";
  if (reply.body !== undefined) {
    payload = typeof reply.body === "string" && headers["content-type"]?.startsWith("text/") ? reply.body : JSON.stringify(reply.body);
    headers["content-type"] ??= "application/json";
  }
  res.writeHead(reply.status, headers);
  res.end(headOnly ? undefined : payload);
}

function readText(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** Harbor serves the registry protocol itself; here it is passed through to the real one, and `answered` told once the answer is out. */
function proxyToRegistry(
  req: IncomingMessage,
  res: ServerResponse,
  registryUrl: string,
  answered: (status: number, headers: IncomingMessage["headers"]) => void,
): void {
  const target = new URL(req.url!, registryUrl);
  const upstream = httpRequest(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
    res.writeHead(answer.statusCode!, answer.headers);
    res.once("finish", () => answered(answer.statusCode!, answer.headers));
    answer.pipe(res);
  });
  upstream.on("error", (error) => {
    res.writeHead(502, { "content-type": "text/plain" });
    res.end(`registry unreachable: ${error.message}`);
  });
  req.pipe(upstream);
}

/** What Harbor's /v2/_catalog answers a user who is not a system administrator. */
function refuseCatalog(res: ServerResponse): void {
  const body = JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "unauthorized to list catalog: unauthorized to list catalog" }] });
  res
    .writeHead(401, {
      "content-type": "application/json; charset=utf-8",
      "content-length": String(Buffer.byteLength(body)),
      "docker-distribution-api-version": "registry/2.0",
    })
    .end(body);
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
