import { parseArgs } from "node:util";
import { PlatformFilter } from "../provider/sync";

/**
 * image-syncer's flags, so its command lines work with only the program name changed
 * (`--proc=10 --config=./harbor-to-acr.json --registry=... --namespace=... --retries=10 --log=./log`).
 */

export class UsageError extends Error {
  override name = "UsageError";
}

const OPTIONS = {
  config: { type: "string" },
  auth: { type: "string" },
  images: { type: "string" },
  proc: { type: "string", short: "p" },
  retries: { type: "string", short: "r" },
  registry: { type: "string" },
  namespace: { type: "string" },
  os: { type: "string", multiple: true },
  arch: { type: "string", multiple: true },
  force: { type: "boolean" },
  repair: { type: "boolean" },
  shallow: { type: "boolean" },
  log: { type: "string" },
  "failed-images": { type: "string" },
  timeout: { type: "string" },
  "max-rps": { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export interface CommandArguments {
  config?: string;
  auth?: string;
  images?: string;
  proc: number;
  retries: number;
  registry?: string;
  namespace?: string;
  platforms: PlatformFilter;
  force: boolean;
  /** sync: check every child manifest and blob under existing tags and re-copy what is missing. */
  repair: boolean;
  /** verify: compare tag digests only. */
  shallow: boolean;
  log?: string;
  failedImages: string;
  /** Whole-run deadline in milliseconds; none by default. */
  timeoutMs?: number;
  /** Requests a second to each registry host at most (--max-rps); none by default. */
  maxRequestsPerSecond?: number;
  json: boolean;
  help: boolean;
}

export function parseCommandArguments(command: string, argv: string[]): CommandArguments {
  let values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; strict: true; allowPositionals: false }>>["values"];
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError(`${describeParseError(error as Error)} (see registry-dr ${command} --help)`);
  }
  return {
    config: values.config,
    auth: values.auth,
    images: values.images,
    proc: wholeNumber("--proc", values.proc, 5, 1),
    retries: wholeNumber("--retries", values.retries, 2, 0),
    registry: values.registry,
    namespace: values.namespace,
    platforms: { os: splitList(values.os), arch: splitList(values.arch) },
    force: values.force ?? false,
    repair: values.repair ?? false,
    shallow: values.shallow ?? false,
    log: values.log,
    failedImages: values["failed-images"] ?? "failed-images.json",
    timeoutMs: duration("--timeout", values.timeout),
    maxRequestsPerSecond: rate("--max-rps", values["max-rps"]),
    json: values.json ?? false,
    help: values.help ?? false,
  };
}

function describeParseError(error: Error): string {
  const unknown = /Unknown option '([^']+)'/.exec(error.message);
  if (unknown) return `unknown flag ${unknown[1]}`;
  const missing = /Option '([^']+)' argument missing/.exec(error.message);
  if (missing) return `flag ${missing[1].split(",").pop()!.trim().split(" ")[0]} needs a value`;
  const positional = /Unexpected argument '([^']+)'/.exec(error.message);
  if (positional) return `unexpected argument "${positional[1]}": every input is given by a flag`;
  return error.message;
}

function wholeNumber(flag: string, raw: string | undefined, fallback: number, minimum: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < minimum) throw new UsageError(`${flag}: expected a whole number of at least ${minimum}, got "${raw}"`);
  return Number(raw);
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "90s", "30m", "2h", "500ms"; a bare number is seconds. */
function duration(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(raw.trim());
  const ms = match ? Number(match[1]) * UNIT_MS[match[2] ?? "s"] : NaN;
  if (!(ms > 0)) throw new UsageError(`${flag}: expected a duration above zero such as 90s, 30m or 2h, got "${raw}"`);
  return ms;
}

/** Requests per second: a number above zero ("20", "0.5"). */
function rate(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = /^\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!(value > 0)) throw new UsageError(`${flag}: expected requests per second above zero, such as 20, got "${raw}"`);
  return value;
}

/** `--arch amd64,arm64` and `--arch amd64 --arch arm64` mean the same. */
function splitList(values: string[] | undefined): string[] {
  return (values ?? []).flatMap((value) => value.split(",")).map((value) => value.trim()).filter(Boolean);
}
