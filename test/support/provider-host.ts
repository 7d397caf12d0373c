import * as grpc from "@grpc/grpc-js";
import * as pulumi from "@pulumi/pulumi";
import { ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";

/**
 * Dynamic resources exactly as `pulumi up` runs them, without the Pulumi CLI: the resource
 * is constructed under `setMocks` so its provider is serialized the way the engine stores it
 * in state (`__provider`), then the real provider host (`@pulumi/pulumi/cmd/dynamic-provider`)
 * loads that text and is driven over gRPC with the engine's calls and conventions
 * (olds in diff/update are old outputs; unknowns arrive as a sentinel during previews).
 */

// The generated gRPC stubs have no typings worth importing; they are plain CommonJS modules.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const provrpc = require("@pulumi/pulumi/proto/provider_grpc_pb");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const provproto = require("@pulumi/pulumi/proto/provider_pb");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const statusproto = require("@pulumi/pulumi/proto/status_pb");

export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/** How a secret value travels between the SDK and the engine. */
const SECRET_SIGNATURE = ["4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"] as const;

export function isSecretValue(value: unknown): value is { value: unknown } {
  return typeof value === "object" && value !== null && (value as Record<string, unknown>)[SECRET_SIGNATURE[0]] === SECRET_SIGNATURE[1];
}

/** Plain values, as the engine sends them to a provider that does not accept secrets (the dynamic host). */
export function unwrapSecrets(value: unknown): unknown {
  if (isSecretValue(value)) return unwrapSecrets(value.value);
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, unwrapSecrets(inner)]));
  return value;
}

export interface CapturedResource {
  type: string;
  name: string;
  urn: string;
  /** Inputs as registered, `__provider` included. */
  inputs: Record<string, unknown>;
  /** The serialized provider, as it would be written to state. */
  providerText: string;
}

/** Runs `construct` under Pulumi mocks and returns every resource it registered. */
export async function captureResources(construct: () => pulumi.Resource | pulumi.Resource[]): Promise<CapturedResource[]> {
  const captured: CapturedResource[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const inputs = args.inputs as Record<string, unknown>;
        captured.push({
          type: args.type,
          name: args.name,
          urn: `urn:pulumi:test::registry-dr::${args.type}::${args.name}`,
          inputs,
          providerText: String(inputs.__provider ?? ""),
        });
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: (args) => args.inputs,
    },
    "registry-dr",
    "test",
    false,
  );
  const made = construct();
  await Promise.all((Array.isArray(made) ? made : [made]).map((resource) => outputValue(resource.urn)));
  return captured;
}

function outputValue<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((done) => output.apply((value) => done(value)));
}

export interface HostError extends Error {
  /** Set when the operation failed after the resource was created (partial failure kept in state). */
  initFailure?: { id: string; properties: Record<string, unknown>; reasons: string[] };
}

type Props = Record<string, unknown>;

/** The real dynamic-provider host, in a child process, with a gRPC client to it. */
export class ProviderHost {
  private constructor(
    private readonly child: ChildProcess,
    private readonly client: grpc.Client & Record<string, Function>,
    private readonly printed: string[],
  ) {}

  /** `cwd` is the stack's folder; `pulumiFrom` the folder whose @pulumi/pulumi runs the host (the stack's, as `pulumi up` does). */
  static async start(cwd = resolve(__dirname, "../../.."), pulumiFrom?: string): Promise<ProviderHost> {
    const entry = require.resolve("@pulumi/pulumi/cmd/dynamic-provider/index.js", pulumiFrom ? { paths: [pulumiFrom] } : undefined);
    // The engine address is required and unused by the host.
    const child = spawn(process.execPath, [entry, "127.0.0.1:1"], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    const printed: string[] = [];
    child.stderr!.on("data", (chunk) => printed.push(String(chunk)));
    const lines = createInterface({ input: child.stdout! });
    const port = await new Promise<string>((resolvePort, reject) => {
      child.once("exit", (code) => reject(new Error(`provider host exited with ${code}: ${printed.join("")}`)));
      lines.once("line", resolvePort);
    });
    lines.on("line", (line) => printed.push(`${line}\n`));
    const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port.trim()}`, grpc.credentials.createInsecure());
    return new ProviderHost(child, client, printed);
  }

  /** Everything the host printed after its port: progress lines, logs, stack traces. */
  output(): string {
    return this.printed.join("");
  }

  async stop(): Promise<void> {
    this.client.close();
    if (this.child.exitCode === null) {
      const exited = new Promise((done) => this.child.once("exit", done));
      this.child.kill();
      await exited;
    }
  }

  async configure(config: Record<string, string>): Promise<void> {
    const request = new provproto.ConfigureRequest();
    request.setArgs(toStruct(config));
    await this.call("configure", request);
  }

  /** A driver for one captured resource: `__provider` and the URN are filled in as the engine does. */
  resource(captured: CapturedResource): ResourceDriver {
    return new ResourceDriver(this, captured);
  }

  call(method: string, request: unknown): Promise<any> {
    return new Promise((done, fail) => {
      this.client[method](request, (error: grpc.ServiceError | null, response: unknown) => (error ? fail(hostError(error)) : done(response)));
    });
  }
}

export class ResourceDriver {
  constructor(
    private readonly host: ProviderHost,
    readonly captured: CapturedResource,
  ) {}

  /** The registered inputs as the engine passes them (secrets unwrapped, no `__provider`), with overrides. */
  inputs(overrides: Props = {}): Props {
    const { __provider: _provider, ...inputs } = unwrapSecrets(this.captured.inputs) as Props;
    return JSON.parse(JSON.stringify({ ...inputs, ...overrides }));
  }

  async check(news: Props, olds: Props = {}): Promise<{ inputs: Props; failures: { property: string; reason: string }[] }> {
    const request = new provproto.CheckRequest();
    request.setUrn(this.captured.urn);
    request.setOlds(toStruct(olds));
    request.setNews(toStruct(this.withProvider(news)));
    const response = await this.host.call("check", request);
    return {
      inputs: response.getInputs()?.toJavaScript() ?? {},
      failures: response.getFailuresList().map((f: any) => ({ property: f.getProperty(), reason: f.getReason() })),
    };
  }

  async diff(id: string, olds: Props, news: Props): Promise<{ changes: "none" | "some" | "unknown"; replaces: string[] }> {
    const request = new provproto.DiffRequest();
    request.setId(id);
    request.setUrn(this.captured.urn);
    request.setOlds(toStruct(olds));
    request.setNews(toStruct(this.withProvider(news)));
    const response = await this.host.call("diff", request);
    const changes =
      { [provproto.DiffResponse.DiffChanges.DIFF_NONE]: "none", [provproto.DiffResponse.DiffChanges.DIFF_SOME]: "some" }[response.getChanges() as number] ??
      "unknown";
    return { changes: changes as "none" | "some" | "unknown", replaces: response.getReplacesList() };
  }

  async create(properties: Props): Promise<{ id: string; outputs: Props }> {
    const request = new provproto.CreateRequest();
    request.setUrn(this.captured.urn);
    request.setProperties(toStruct(this.withProvider(properties)));
    const response = await this.host.call("create", request);
    return { id: response.getId(), outputs: response.getProperties().toJavaScript() };
  }

  async read(id: string, properties: Props): Promise<{ id: string; outputs: Props }> {
    const request = new provproto.ReadRequest();
    request.setId(id);
    request.setUrn(this.captured.urn);
    request.setProperties(toStruct(this.withProvider(properties)));
    const response = await this.host.call("read", request);
    return { id: response.getId(), outputs: response.getProperties().toJavaScript() };
  }

  async update(id: string, olds: Props, news: Props): Promise<{ outputs: Props }> {
    const request = new provproto.UpdateRequest();
    request.setId(id);
    request.setUrn(this.captured.urn);
    request.setOlds(toStruct(olds));
    request.setNews(toStruct(this.withProvider(news)));
    const response = await this.host.call("update", request);
    return { outputs: response.getProperties().toJavaScript() };
  }

  async delete(id: string, properties: Props): Promise<void> {
    const request = new provproto.DeleteRequest();
    request.setId(id);
    request.setUrn(this.captured.urn);
    request.setProperties(toStruct(this.withProvider(properties)));
    await this.host.call("delete", request);
  }

  private withProvider(props: Props): Props {
    return { ...props, __provider: this.captured.providerText };
  }
}

/** Structs cannot hold `undefined`; the engine never sends it either. */
function toStruct(value: Props): Struct {
  return Struct.fromJavaScript(JSON.parse(JSON.stringify(value)));
}

function hostError(error: grpc.ServiceError): HostError {
  const failure: HostError = new Error(error.details || error.message);
  const [details] = error.metadata?.get("grpc-status-details-bin") ?? [];
  if (details) {
    const status = statusproto.Status.deserializeBinary(new Uint8Array(details as Buffer));
    for (const any of status.getDetailsList()) {
      const init = provproto.ErrorResourceInitFailed.deserializeBinary(any.getValue_asU8());
      failure.initFailure = { id: init.getId(), properties: init.getProperties()?.toJavaScript() ?? {}, reasons: init.getReasonsList() };
    }
  }
  return failure;
}

/**
 * Secrets must not reach the serialized provider, outputs other than the secret ones,
 * or anything the host printed. Names where each secret was found.
 */
export function findSecretLeaks(
  secrets: string[],
  places: { providerText?: string; outputs?: Props; secretOutputs?: string[]; hostOutput?: string },
): string[] {
  const publicOutputs = Object.fromEntries(Object.entries(places.outputs ?? {}).filter(([key]) => !(places.secretOutputs ?? []).includes(key)));
  const texts: [string, string][] = [
    ["serialized provider", places.providerText ?? ""],
    ["non-secret outputs", JSON.stringify(publicOutputs)],
    ["host output", places.hostOutput ?? ""],
  ];
  return secrets.flatMap((secret) => texts.filter(([, text]) => text.includes(secret)).map(([where]) => `${where} contains a secret`));
}
