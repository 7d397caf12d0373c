/**
 * A Node.js language host for the Pulumi CLI the engine tests build from Go modules.
 *
 * Pulumi's own host, `pulumi-language-nodejs`, is a Go program from a module the Go module
 * proxy does not serve here, so a CLI built from source has none. This one speaks the same
 * gRPC service (`pulumirpc.LanguageRuntime`) and does what that host does for `pulumi
 * preview/up/refresh/destroy` in a project folder: it runs the stack's own
 * `@pulumi/pulumi/cmd/run` with the program, the monitor and the engine addresses, and the
 * stack's config in `PULUMI_CONFIG`. Everything else the service offers (`pulumi new`,
 * `pulumi install`, code generation) answers "unimplemented", which the CLI tolerates for
 * the commands the tests run. Where a user has the real CLI on PATH, it is used instead.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";

type Grpc = typeof import("@grpc/grpc-js");
type Callback = (error: Error | null, response?: unknown) => void;
// The generated protobuf classes are loaded at run time from the stack's SDK, untyped.
type Message = any;

/** The grpc-js and protobuf classes the SDK itself uses, so the wire format is the SDK's. */
function sdkModules(): { grpc: Grpc; services: Message; language: Message; plugin: Message } {
  const sdk = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
  const fromSdk = (id: string) => require(require.resolve(id, { paths: [sdk] }));
  return {
    grpc: fromSdk("@grpc/grpc-js"),
    services: require(path.join(sdk, "proto/language_grpc_pb.js")),
    language: require(path.join(sdk, "proto/language_pb.js")),
    plugin: require(path.join(sdk, "proto/plugin_pb.js")),
  };
}

/** The command line of the stack's `cmd/run`, as Pulumi's host builds it from a RunRequest. */
export function runArguments(runScript: string, request: Message, engineAddress: string): string[] {
  const info = request.getInfo();
  const args = [runScript];
  const add = (flag: string, value: string | number | undefined) => {
    if (value !== undefined && value !== "" && value !== 0) args.push(`--${flag}`, String(value));
  };
  add("monitor", request.getMonitorAddress());
  add("engine", engineAddress);
  add("organization", request.getOrganization());
  add("project", request.getProject());
  add("stack", request.getStack());
  add("pwd", request.getPwd());
  add("root-directory", info?.getRootDirectory());
  if (request.getDryrun()) args.push("--dry-run");
  add("parallel", request.getParallel());
  args.push(info?.getEntryPoint() || request.getProgram() || ".");
  args.push(...request.getArgsList());
  return args;
}

/** Config as the SDK reads it from the environment: a JSON object and the list of secret keys. */
export function configEnvironment(request: Message): Record<string, string> {
  const config: Record<string, string> = {};
  for (const [key, value] of request.getConfigMap().entries()) config[key] = value;
  return {
    PULUMI_CONFIG: JSON.stringify(config),
    PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(request.getConfigsecretkeysList()),
  };
}

/**
 * The project's runtime options (`runtime.options` in Pulumi.yaml) as Pulumi's host passes them
 * to the run script: TypeScript through ts-node unless `typescript: false` (the default is on),
 * and the `tsconfig` to use. Without this a `.ts` program would be left to Node's own type
 * stripping, which loads a different program than users run (no `export =`, no type check).
 */
export function runtimeOptionsEnvironment(request: Message): Record<string, string> {
  const options: Record<string, unknown> = request.getInfo()?.getOptions()?.toJavaScript() ?? {};
  const env: Record<string, string> = {};
  if (options.typescript !== false) env.PULUMI_NODEJS_TYPESCRIPT = "true";
  if (typeof options.tsconfig === "string" && options.tsconfig !== "") env.PULUMI_NODEJS_TSCONFIG_PATH = options.tsconfig;
  return env;
}

function programDirectory(request: Message): string {
  return request.getInfo()?.getProgramDirectory() || request.getPwd() || process.cwd();
}

/** Runs the program to completion; a non-zero exit is the run's error, as the engine expects. */
function run(modules: ReturnType<typeof sdkModules>, engineAddress: string) {
  return (call: { request: Message }, callback: Callback) => {
    const request = call.request;
    const response = new modules.language.RunResponse();
    let runScript: string;
    try {
      runScript = require.resolve("@pulumi/pulumi/cmd/run", { paths: [programDirectory(request)] });
    } catch {
      response.setError(`@pulumi/pulumi is not installed in ${programDirectory(request)}: run npm install there first`);
      callback(null, response);
      return;
    }
    const child = spawn(process.execPath, runArguments(runScript, request, engineAddress), {
      cwd: programDirectory(request),
      env: { ...process.env, ...configEnvironment(request), ...runtimeOptionsEnvironment(request) },
      stdio: ["ignore", "inherit", "inherit"],
    });
    child.on("error", (error) => {
      response.setError(`could not start the program: ${error.message}`);
      callback(null, response);
    });
    child.on("exit", (code, signal) => {
      // Exit code 32 means the program already reported its error through the engine.
      if (code === 32) response.setBail(true);
      else if (code !== 0) response.setError(`Program exited with ${signal ? `signal ${signal}` : `non-zero exit code: ${code}`}`);
      callback(null, response);
    });
  };
}

function main(): void {
  const modules = sdkModules();
  const engineAddress = process.argv.slice(2).find((arg) => !arg.startsWith("-")) ?? "";
  const server = new modules.grpc.Server();
  server.addService(modules.services.LanguageRuntimeService, {
    run: run(modules, engineAddress),
    getRequiredPlugins: (_call: unknown, callback: Callback) => callback(null, new modules.language.GetRequiredPluginsResponse()),
    getRequiredPackages: (_call: unknown, callback: Callback) => callback(null, new modules.language.GetRequiredPackagesResponse()),
    getPluginInfo: (_call: unknown, callback: Callback) => callback(null, new modules.plugin.PluginInfo().setVersion("3.0.0")),
    getProgramDependencies: (_call: unknown, callback: Callback) => callback(null, new modules.language.GetProgramDependenciesResponse()),
    about: (_call: unknown, callback: Callback) =>
      callback(null, new modules.language.AboutResponse().setExecutable(process.execPath).setVersion(process.versions.node)),
  });
  server.bindAsync("127.0.0.1:0", modules.grpc.ServerCredentials.createInsecure(), (error, port) => {
    if (error) {
      process.stderr.write(`language host could not listen: ${error.message}\n`);
      process.exit(1);
    }
    // The CLI reads the port from the first line of stdout.
    process.stdout.write(`${port}\n`);
  });
}

if (require.main === module) main();
