import { execFile, spawn } from "node:child_process";
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { makeTempDir, removeTempDir } from "../../support/processes";

/**
 * A user's own stack, as someone who installed registry-dr would have it: an empty folder with
 * its own Pulumi.yaml and package.json depending on the packed tarball, a local file backend,
 * passphrase secrets, and the `pulumi` CLI driving it. Nothing here talks to the provider host
 * directly: every step goes through `pulumi preview/up/refresh/destroy`.
 */

const execFileAsync = promisify(execFile);
const REPO = resolve(__dirname, "../../../..");
/** The stack's own @pulumi/pulumi, the release the pinned CLI comes from. */
const STACK_PULUMI = "3.276.0";
export const PASSPHRASE = "engine-test-passphrase-7f3a";
const BIG = 64 * 1024 * 1024;

let pulumiPath: Promise<string> | undefined;
let tarball: Promise<{ file: string; dir: string }> | undefined;

/** The folders holding `pulumi` and its plugins (found or built by test/engine/cli/pulumi-cli.sh). */
export function pulumiBinPath(): Promise<string> {
  pulumiPath ??= execFileAsync("bash", [join(REPO, "test/engine/cli/pulumi-cli.sh")], { maxBuffer: BIG }).then(
    ({ stdout }) => stdout.trim().split("\n").pop()!,
  );
  return pulumiPath;
}

/** `npm pack` of this checkout, once per test process. */
function packedTarball(): Promise<{ file: string; dir: string }> {
  tarball ??= (async () => {
    const dir = makeTempDir("engine-pack");
    // No scripts: the test run has just compiled dist/.
    const { stdout } = await execFileAsync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], { cwd: REPO, maxBuffer: BIG });
    const [report] = JSON.parse(stdout) as { filename: string }[];
    return { file: join(dir, report.filename), dir };
  })();
  return tarball;
}

/** `npm install` of registry-dr (a tarball path; default this checkout's, packed) and the stack's @pulumi/pulumi. */
async function installRegistryDr(dir: string, registryDr?: string): Promise<void> {
  const dependency = registryDr ?? (await packedTarball()).file;
  await execFileAsync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", `@pulumi/pulumi@${STACK_PULUMI}`, dependency], {
    cwd: dir,
    maxBuffer: BIG,
  });
}

/** A command's arguments as logs show them: a secret's value (the last argument of `config set --secret`) left out. */
function shownArgs(args: string[]): string[] {
  return args.includes("--secret") ? [...args.slice(0, -1), "[secret]"] : args;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Everything the CLI printed in these commands, stdout and stderr, for assertions and secret scans. */
export function outputText(...results: CommandResult[]): string {
  return results.map((result) => `${result.stdout}\n${result.stderr}`).join("\n");
}

export interface UserStackOptions {
  /** The program, as the user's `index.js`. */
  program: string;
  /** Plain stack config, `key: value`, set with `pulumi config set`. */
  config?: Record<string, string>;
  /** Secret stack config, set with `pulumi config set --secret`. */
  secrets?: Record<string, string>;
  /** Another registry-dr to depend on (a tarball path), for upgrade tests. */
  registryDr?: string;
}

export class UserStack {
  private constructor(
    readonly dir: string,
    private readonly root: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  static async create(name: string, options: UserStackOptions): Promise<UserStack> {
    const root = makeTempDir(`engine-${name}`);
    const dir = join(root, "project");
    mkdirSync(dir);
    writeFileSync(join(dir, "Pulumi.yaml"), `name: ${name}\nruntime: nodejs\ndescription: registry-dr engine test\n`);
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name, private: true, main: "index.js" }, null, 2));
    writeFileSync(join(dir, "index.js"), options.program);
    await installRegistryDr(dir, options.registryDr);
    const stack = await UserStack.inFolder(root, dir);
    await stack.must(["stack", "init", "dev"]);
    for (const [key, value] of Object.entries(options.config ?? {})) await stack.must(["config", "set", key, value]);
    for (const [key, value] of Object.entries(options.secrets ?? {})) await stack.must(["config", "set", "--secret", key, value]);
    return stack;
  }

  /**
   * A project made as a user makes one from a template folder: \`pulumi new <folder>\` (its files
   * only: the published registry-dr is not on the npm registry here), then \`npm install\` with
   * this checkout's packed tarball in its place, then \`pulumi stack init <stackName>\`, which takes
   * the template's \`Pulumi.<stackName>.yaml\` as its stack file.
   */
  static async fromTemplate(name: string, template: string, stackName: string, env: NodeJS.ProcessEnv = {}): Promise<UserStack> {
    const root = makeTempDir(`engine-${name}`);
    const dir = join(root, "project");
    mkdirSync(dir);
    const stack = await UserStack.inFolder(root, dir, env);
    await stack.must(["new", template, "--dir", dir, "--name", name, "--description", "registry-dr template test", "--generate-only", "--yes"]);
    await installRegistryDr(dir);
    await stack.must(["stack", "init", stackName]);
    return stack;
  }

  /** The environment every command runs in: the pinned CLI, a file backend and passphrase secrets under \`root\`, and `extra`. */
  private static async inFolder(root: string, dir: string, extra: NodeJS.ProcessEnv = {}): Promise<UserStack> {
    mkdirSync(join(root, "state"), { recursive: true });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: `${await pulumiBinPath()}:${process.env.PATH}`,
      PULUMI_HOME: join(root, "home"),
      PULUMI_BACKEND_URL: `file://${join(root, "state")}`,
      PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
      NO_COLOR: "1",
      ...extra,
    };
    return new UserStack(dir, root, env);
  }

  /** Installs another registry-dr in the stack (default: this checkout's), as a user upgrading runs `npm install`. */
  async install(registryDr?: string): Promise<void> {
    await installRegistryDr(this.dir, registryDr);
  }

  /** Runs `pulumi <args>` in the stack's folder; never throws on a non-zero exit. */
  pulumi(args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CommandResult> {
    const started = Date.now();
    return new Promise((resolvePromise, reject) => {
      const child = spawn("pulumi", [...args, "--non-interactive", "--color", "never"], {
        cwd: this.dir,
        env: { ...this.env, ...options.env },
        timeout: options.timeoutMs ?? 300_000,
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk) => {
        stdout += chunk;
      });
      child.stderr.on("data", (chunk) => {
        stderr += chunk;
      });
      child.on("error", reject);
      child.on("close", (code, signal) => {
        // The figures the closing notes quote: how long each command a user types takes.
        process.stderr.write(
          `pulumi ${shownArgs(args)
            .filter((arg) => !arg.startsWith("-"))
            .join(" ")}: exit ${code ?? signal}, ${Date.now() - started} ms\n`,
        );
        // Set ENGINE_TEST_TRANSCRIPT=FILE to keep every command's output (previews included) for reading later.
        if (process.env.ENGINE_TEST_TRANSCRIPT)
          appendFileSync(process.env.ENGINE_TEST_TRANSCRIPT, `$ pulumi ${shownArgs(args).join(" ")}\n${stdout}${stderr}\n`);
        // An installed CLI finds its plugins beside it; one found elsewhere means the harness
        // runs something other than what users run, and the engine says so on every command.
        const stray = /warning: using pulumi-\S+ from \$PATH.*/.exec(stdout + stderr);
        if (stray) reject(new Error(`pulumi ${shownArgs(args).join(" ")} ran a plugin users would not: ${stray[0]}`));
        else resolvePromise({ code: code ?? (signal ? 128 : 1), stdout, stderr });
      });
    });
  }

  /** `pulumi <args>`, failing the test with the CLI's output when it exits non-zero. */
  async must(args: string[]): Promise<CommandResult> {
    const result = await this.pulumi(args);
    if (result.code !== 0) throw new Error(`pulumi ${shownArgs(args).join(" ")} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
    return result;
  }

  preview(...extra: string[]): Promise<CommandResult> {
    return this.pulumi(["preview", "--diff", ...extra]);
  }

  /** A preview as a CI runner without access to the registries runs it. */
  previewWithoutChecks(...extra: string[]): Promise<CommandResult> {
    return this.pulumi(["preview", "--diff", ...extra], { env: { REGISTRY_DR_PREVIEW_CHECKS: "off" } });
  }

  up(...extra: string[]): Promise<CommandResult> {
    return this.must(["up", "--yes", "--skip-preview", ...extra]);
  }

  /** The stack's state as `pulumi stack export` prints it (secrets as ciphertext). */
  async exportedState(): Promise<string> {
    return (await this.must(["stack", "export"])).stdout;
  }

  /**
   * One resource's outputs as the state holds them (`pulumi refresh` updates these, while
   * stack outputs change only when the program runs); secrets stay ciphertext.
   */
  async resourceOutputs(name: string): Promise<Record<string, unknown>> {
    const state = JSON.parse(await this.exportedState()) as { deployment: { resources?: { urn: string; outputs?: Record<string, unknown> }[] } };
    const resource = state.deployment.resources?.find((entry) => entry.urn.endsWith(`::${name}`));
    if (!resource) throw new Error(`no resource named ${name} in the stack's state`);
    return resource.outputs ?? {};
  }

  /** Stack outputs, secrets revealed (a user's `pulumi stack output --json --show-secrets`). */
  async outputs(): Promise<Record<string, unknown>> {
    return JSON.parse((await this.must(["stack", "output", "--json", "--show-secrets"])).stdout) as Record<string, unknown>;
  }

  async remove(): Promise<void> {
    await removeTempDir(this.root);
  }
}

/**
 * The line of `pulumi preview/up` output for one resource step, as the CLI prints it:
 * `~ pulumi-nodejs:dynamic/registry-dr:ImageSync: (update)` (type "registry-dr:ImageSync") then its URN ending in `::name`.
 */
export function stepPattern(op: "create" | "update" | "replace" | "delete" | "refresh", type: string, name: string): RegExp {
  const symbol = { create: "\\+", update: "~", replace: "\\+-", delete: "-", refresh: "~" }[op];
  return new RegExp(`${symbol} pulumi-nodejs:dynamic/${type}: \\(${op}\\)\\n(\\s*\\[id=[^\\]]*\\]\\n)?\\s*\\[urn=[^\\]]*::${name}\\]`);
}

export async function removePackedTarball(): Promise<void> {
  if (tarball) await removeTempDir((await tarball).dir);
}
