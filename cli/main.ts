import { ConfigError } from "../provider/validation";
import { CommandArguments, UsageError, parseCommandArguments } from "./arguments";
import { dropOutputToClosedPipes } from "./closed-pipes";
import { MAIN_HELP, SYNC_HELP, VERIFY_HELP, WATCH_HELP } from "./help";
import { abortOnSignals } from "./interruption";

type Command = (argv: string[], signal: AbortSignal) => Promise<number>;

/**
 * Each command is loaded when it runs: a cron job's `sync` should not pay at start-up for the
 * YAML document API of `rewrite` or the plan schemas of `plan check`.
 */
const COMMANDS: Record<string, () => { run: Command; help: string }> = {
  sync: () => ({ run: withSyncArguments("sync", (require("./commands/sync") as typeof import("./commands/sync")).syncCommand, SYNC_HELP), help: SYNC_HELP }),
  verify: () => ({
    run: withSyncArguments("verify", (require("./commands/verify") as typeof import("./commands/verify")).verifyCommand, VERIFY_HELP),
    help: VERIFY_HELP,
  }),
  watch: () => ({
    run: withSyncArguments("watch", (require("./commands/watch") as typeof import("./commands/watch")).watchCommand, WATCH_HELP),
    help: WATCH_HELP,
  }),
  failover: () => {
    const loaded = require("./commands/failover") as typeof import("./commands/failover");
    return { run: loaded.failoverCommand, help: loaded.FAILOVER_HELP };
  },
  plan: () => {
    const loaded = require("./commands/plan-check") as typeof import("./commands/plan-check");
    return { run: loaded.planCommand, help: loaded.PLAN_HELP };
  },
  rewrite: () => {
    const loaded = require("./commands/rewrite") as typeof import("./commands/rewrite");
    return { run: loaded.rewriteCommand, help: loaded.REWRITE_HELP };
  },
};

/** Exit status: 0 success, 1 the work failed (images failed, destination incomplete), 2 bad input. */
export async function main(argv: string[]): Promise<number> {
  dropOutputToClosedPipes();
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h") return print(process.stdout, MAIN_HELP, 0);
  if (name === "help") return print(process.stdout, (Object.hasOwn(COMMANDS, rest[0] ?? "") ? COMMANDS[rest[0]]().help : undefined) ?? MAIN_HELP, 0);
  if (name === "--version" || name === "version") return print(process.stdout, `${require("../../package.json").version}\n`, 0);
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name]() : undefined;
  if (!command)
    return print(
      process.stderr,
      `registry-dr: unknown command "${name}": expected sync, verify, watch, failover, plan or rewrite (see registry-dr --help)\n`,
      2,
    );

  const controller = new AbortController();
  const stopListening = abortOnSignals(controller);
  try {
    return await command.run(rest, controller.signal);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError)
      return print(
        process.stderr,
        capLines(error.message)
          .map((line) => `registry-dr ${name}: ${line}\n`)
          .join(""),
        2,
      );
    throw error;
  } finally {
    stopListening();
  }
}

/** sync and verify share image-syncer's flags, --help and --timeout. */
function withSyncArguments(name: string, run: (args: CommandArguments, signal: AbortSignal) => Promise<number>, help: string): Command {
  return async (argv, interrupted) => {
    const args = parseCommandArguments(name, argv);
    if (args.help) return print(process.stdout, help, 0);
    return run(args, interrupted);
  };
}

/** A config with a problem in every one of 100k rules must not print 100k lines. */
const ERRORS_SHOWN = 50;

function capLines(message: string): string[] {
  const lines = message.split("\n");
  return lines.length <= ERRORS_SHOWN ? lines : [...lines.slice(0, ERRORS_SHOWN), `… and ${lines.length - ERRORS_SHOWN} more`];
}

function print(stream: NodeJS.WriteStream, text: string, code: number): number {
  stream.write(text);
  return code;
}
