import Ajv, { ValidateFunction } from "ajv";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { load } from "js-yaml";

/**
 * Harbor's API contract, from Harbor's published swagger file vendored beside this module
 * (Apache-2.0, see its LICENSE note): which operation a request is, and what is wrong with it. Checks the path, the
 * method, every query, header and path parameter (type, required, maximum, minLength),
 * unknown query parameters, and the body against its schema with ajv.
 *
 * Two deliberate departures from the file, both where the server differs from its own spec:
 * a filter's `value` is a string or a list of strings (the spec says `object`), and an object
 * body may not carry properties the schema does not name (Harbor ignores them silently, which
 * is exactly how a client ends up believing it set something it did not).
 */

export const SWAGGER_FILE = "harbor-swagger-v2.13.5.yaml";

interface Parameter {
  name: string;
  in: "query" | "header" | "path" | "body";
  type?: string;
  required?: boolean;
  maximum?: number;
  minLength?: number;
  schema?: object;
}

interface Operation {
  operationId: string;
  parameters?: (Parameter | { $ref: string })[];
  responses: Record<string, { schema?: object; $ref?: string }>;
}

export interface MatchedOperation {
  operationId: string;
  pathParams: Record<string, string>;
}

interface Route {
  template: string;
  pattern: RegExp;
  paramNames: string[];
  /** Literal segments: `/registries/ping` wins over `/registries/{id}`. */
  literalSegments: number;
  operations: Map<string, Operation>;
}

export interface RequestToCheck {
  method: string;
  /** Path under the base path, e.g. "/registries/7". */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export class SwaggerContract {
  private readonly routes: Route[];
  private readonly parameters: Record<string, Parameter>;
  private readonly responses: Record<string, { schema?: object }>;
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();
  readonly basePath: string;

  constructor(document: any) {
    this.basePath = document.basePath;
    this.parameters = document.parameters;
    this.responses = document.responses;
    this.ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    this.ajv.addSchema({ $id: "harbor.json", definitions: patchDefinitions(document.definitions) });
    this.routes = Object.entries(document.paths as Record<string, Record<string, Operation>>).map(([template, methods]) => {
      const paramNames: string[] = [];
      const pattern = new RegExp(
        `^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{([^}]+)\}/g, (_m, name: string) => (paramNames.push(name), "([^/]+)"))}$`,
      );
      const operations = new Map(
        Object.entries(methods)
          .filter(([method]) => method !== "parameters")
          .map(([method, op]) => [method.toUpperCase(), op]),
      );
      return { template, pattern, paramNames, literalSegments: template.split("/").filter((s) => s && !s.startsWith("{")).length, operations };
    });
    this.routes.sort((a, b) => b.literalSegments - a.literalSegments);
  }

  static load(): SwaggerContract {
    // js-yaml, not the stricter \`yaml\`: the file has a quoted scalar continued at its key's
    // indentation, which YAML 1.2 rejects and Harbor's own (Go) tooling accepts.
    return new SwaggerContract(load(readFileSync(findSwaggerFile(), "utf8")));
  }

  /** The operation, or the status and reason Harbor would answer: 404 no such path, 405 wrong method. */
  match(method: string, path: string): MatchedOperation | { status: 404 | 405; reason: string } {
    const routes = this.routes.filter((route) => route.pattern.test(path));
    if (routes.length === 0) return { status: 404, reason: `no API path matches ${path}` };
    const route = routes.find((candidate) => candidate.operations.has(method));
    if (!route) return { status: 405, reason: `${method} is not allowed on ${routes[0].template}` };
    const values = route.pattern.exec(path)!.slice(1);
    const pathParams = Object.fromEntries(route.paramNames.map((name, i) => [name, decodeURIComponent(values[i])]));
    return { operationId: route.operations.get(method)!.operationId, pathParams };
  }

  /** Everything wrong with a request to an operation; empty when it keeps the contract. */
  problems(request: RequestToCheck, matched: MatchedOperation): string[] {
    const operation = this.operation(request.method, request.path);
    const parameters = (operation.parameters ?? []).map((p) => ("$ref" in p ? this.parameters[p.$ref.split("/").pop()!] : p));
    const problems: string[] = [];
    const declaredQuery = new Set(parameters.filter((p) => p.in === "query").map((p) => p.name));
    for (const key of request.query.keys()) if (!declaredQuery.has(key)) problems.push(`query parameter "${key}" is not declared for ${matched.operationId}`);
    for (const parameter of parameters) {
      const raw = rawValue(parameter, request, matched);
      if (parameter.in === "body") {
        if (request.body === undefined) {
          if (parameter.required) problems.push(`${matched.operationId} requires a JSON body (${parameter.name})`);
          continue;
        }
        problems.push(...this.schemaProblems(`${matched.operationId}:body`, parameter.schema!, request.body).map((p) => `body${p}`));
        continue;
      }
      if (raw === undefined) {
        if (parameter.required) problems.push(`${parameter.in} parameter "${parameter.name}" is required`);
        continue;
      }
      const problem = scalarProblem(parameter, raw);
      if (problem) problems.push(`${parameter.in} parameter "${parameter.name}" ${problem}`);
    }
    if (request.body !== undefined && !parameters.some((p) => p.in === "body")) problems.push(`${matched.operationId} takes no body`);
    return problems;
  }

  /** What is wrong with a JSON response body for a status the operation declares (none for others). */
  responseProblems(method: string, path: string, status: number, body: unknown): string[] {
    const operation = this.operation(method, path);
    let response = operation.responses[String(status)];
    if (!response) return [];
    if (response.$ref) response = this.responses[response.$ref.split("/").pop()!];
    if (!response.schema) return body === undefined ? [] : [`${operation.operationId} ${status} declares no body, but one was sent`];
    return this.schemaProblems(`${operation.operationId}:${status}`, response.schema, body).map((p) => `response${p}`);
  }

  private operation(method: string, path: string): Operation {
    const route = this.routes.find((candidate) => candidate.pattern.test(path) && candidate.operations.has(method))!;
    return route.operations.get(method)!;
  }

  private schemaProblems(key: string, schema: object, value: unknown): string[] {
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/definitions/', '"harbor.json#/definitions/')));
      this.compiled.set(key, validate);
    }
    if (validate(value)) return [];
    return (validate.errors ?? []).map(
      (error) =>
        `${error.instancePath || ""} ${error.message}${error.params && "additionalProperty" in error.params ? `: "${error.params.additionalProperty}"` : ""}`,
    );
  }
}

function rawValue(parameter: Parameter, request: RequestToCheck, matched: MatchedOperation): string | undefined {
  if (parameter.in === "query") return request.query.get(parameter.name) ?? undefined;
  if (parameter.in === "path") return matched.pathParams[parameter.name];
  if (parameter.in === "header") {
    const value = request.headers[parameter.name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

function scalarProblem(parameter: Parameter, raw: string): string | undefined {
  if (parameter.type === "integer") {
    if (!/^-?\d+$/.test(raw)) return `must be an integer, got ${JSON.stringify(raw)}`;
    if (parameter.maximum !== undefined && Number(raw) > parameter.maximum) return `must be at most ${parameter.maximum}, got ${raw}`;
  }
  if (parameter.type === "boolean" && raw !== "true" && raw !== "false") return `must be true or false, got ${JSON.stringify(raw)}`;
  if (parameter.minLength !== undefined && raw.length < parameter.minLength) return `must have at least ${parameter.minLength} characters`;
  return undefined;
}

function patchDefinitions(definitions: Record<string, any>): Record<string, any> {
  const patched = JSON.parse(JSON.stringify(definitions));
  for (const definition of Object.values<any>(patched)) {
    if (definition.type === "object" && definition.properties && definition.additionalProperties === undefined) definition.additionalProperties = false;
  }
  patched.ReplicationFilter.properties.value = { anyOf: [{ type: "string" }, { type: "array", items: { type: "string" } }] };
  return patched;
}

/** The vendored file beside this module's source (this module runs from src or from dist). */
function findSwaggerFile(): string {
  for (let dir = resolve(__dirname); dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, "test", "support", "harbor", SWAGGER_FILE);
    if (existsSync(join(dir, "package.json")) && existsSync(candidate)) return candidate;
  }
  throw new Error(`cannot find test/support/harbor/${SWAGGER_FILE} in the repository: the Harbor stand-in validates every request against it`);
}
