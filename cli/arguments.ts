import { parseArgs } from "node:util";
import { DEFAULT_MIN_TRANSFER_RATE, MAX_PROC, MAX_RETRIES, MAX_TIMEOUT_MS, MinTransferRate, PlatformFilter, Shard, parsePlatformSelector, parseShard } from "../provider/sync";

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
  "no-referrers": { type: "boolean" },
  repair: { type: "boolean" },
  shallow: { type: "boolean" },
  log: { type: "string" },
  "failed-images": { type: "string" },
  "output-success-images": { type: "string" },
  "output-images-format": { type: "string" },
  timeout: { type: "string" },
  "max-rps": { type: "string" },
  shard: { type: "string" },
  "min-rate": { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** Flags one command takes and the other would ignore: refused by name rather than ignored. */
const ONLY_FOR: Partial<Record<keyof typeof OPTIONS, "sync" | "verify">> = {
  retries: "sync",
  force: "sync",
  repair: "sync",
  log: "sync",
  "failed-images": "sync",
  "output-success-images": "sync",
  "output-images-format": "sync",
  "min-rate": "sync",
  shallow: "verify",
  json: "verify",
};

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
  /** Copy and verify cosign tags and OCI referrers with each image (off with --no-referrers). */
  referrers: boolean;
  /** sync: check every child manifest and blob under existing tags and re-copy what is missing. */
  repair: boolean;
  /** verify: compare tag digests only. */
  shallow: boolean;
  log?: string;
  failedImages: string;
  /** `--output-success-images`: where to write the images that succeeded, as an images file. */
  successImages?: string;
  /** `--output-images-format`: json (default) or yaml. */
  imagesFormat: "json" | "yaml";
  /** `--shard i/N`: this process's part of the job. */
  shard?: Shard;
  /** Whole-run deadline in milliseconds; none by default. */
  timeoutMs?: number;
  /** Requests a second to each registry host at most (--max-rps); none by default. */
  maxRequestsPerSecond?: number;
  /** Blob transfers slower than this fail as stalled. */
  minRate: MinTransferRate;
  json: boolean;
  help: boolean;
}

export function parseCommandArguments(command: string, argv: string[]): CommandArguments {
  let values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; strict: true; allowPositionals: false }>>["values"];
  try {
    ({ values } = parseArgs({ args: withNegativeValues(argv), options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError(`${describeParseError(error as Error)} (see registry-dr ${command} --help)`);
  }
  for (const [flag, owner] of Object.entries(ONLY_FOR)) {
    if (values[flag as keyof typeof values] !== undefined && owner !== command) throw new UsageError(`--${flag} belongs to registry-dr ${owner}, not ${command} (see registry-dr ${command} --help)`);
  }
  return {
    config: values.config,
    auth: values.auth,
    images: values.images,
    proc: wholeNumber("--proc", values.proc, 5, 1, MAX_PROC),
    retries: wholeNumber("--retries", values.retries, 2, 0, MAX_RETRIES),
    registry: values.registry,
    namespace: values.namespace,
    platforms: { os: selectors("os", values.os), arch: selectors("arch", values.arch) },
    force: values.force ?? false,
    referrers: !(values["no-referrers"] ?? false),
    repair: values.repair ?? false,
    shallow: values.shallow ?? false,
    log: values.log,
    failedImages: values["failed-images"] ?? "failed-images.json",
    successImages: values["output-success-images"],
    imagesFormat: imagesFormat(values["output-images-format"]),
    timeoutMs: duration("--timeout", values.timeout),
    maxRequestsPerSecond: rate("--max-rps", values["max-rps"]),
    shard: shardOf(values.shard),
    minRate: minRate("--min-rate", values["min-rate"]),
    json: values.json ?? false,
    help: values.help ?? false,
  };
}

/**
 * `--proc -1` is a value, not a flag: parseArgs would call it ambiguous, so it is joined to
 * its flag here and meets the value's own check ("expected a whole number from 1 to 256").
 */
function withNegativeValues(argv: string[]): string[] {
  const takesValue = (arg: string) => Object.entries(OPTIONS).some(([name, option]) => option.type === "string" && (arg === `--${name}` || ("short" in option && arg === `-${option.short}`)));
  const joined: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const next = argv[index + 1];
    if (takesValue(argv[index]) && next !== undefined && /^-\d/.test(next)) {
      joined.push(argv[index].startsWith("--") ? `${argv[index]}=${next}` : `${argv[index]}${next}`);
      index++;
    } else {
      joined.push(argv[index]);
    }
  }
  return joined;
}

function describeParseError(error: Error): string {
  const unknown = /Unknown option '([^']+)'/.exec(error.message);
  if (unknown?.[1] === "--server") return "--server (image-syncer's HTTP server mode) is not supported: run registry-dr sync from cron or a Kubernetes CronJob, or ImageSync under pulumi up, to repeat the sync";
  if (unknown) return `unknown flag ${unknown[1]}`;
  const missing = /Option '([^']+)' argument missing/.exec(error.message);
  if (missing) return `flag ${missing[1].split(",").pop()!.trim().split(" ")[0]} needs a value`;
  const positional = /Unexpected argument '([^']+)'/.exec(error.message);
  if (positional) return `unexpected argument "${positional[1]}": every input is given by a flag`;
  return error.message;
}


function shardOf(raw: string | undefined): Shard | undefined {
  if (raw === undefined) return undefined;
  try {
    return parseShard(raw);
  } catch (error) {
    throw new UsageError(`--shard: ${(error as Error).message}`);
  }
}

function wholeNumber(flag: string, raw: string | undefined, fallback: number, minimum: number, maximum: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < minimum || Number(raw) > maximum) {
    throw new UsageError(`${flag}: expected a whole number from ${minimum} to ${maximum}, got "${raw}"`);
  }
  return Number(raw);
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "90s", "30m", "2h", "500ms", "7d"; a bare number is seconds. */
function duration(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const ms = parseDuration(raw);
  if (!(ms > 0)) throw new UsageError(`${flag}: expected a duration above zero such as 90s, 30m or 2h, got "${raw}"`);
  if (ms > MAX_TIMEOUT_MS) throw new UsageError(`${flag}: at most 24d (596h), got "${raw}"`);
  return ms;
}

/** Requests per second: a number above zero ("20", "0.5"). */
function rate(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = /^\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!(value > 0)) throw new UsageError(`${flag}: expected requests per second above zero, such as 20, got "${raw}"`);
  return value;
}

function parseDuration(raw: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(raw.trim());
  return match ? Number(match[1]) * UNIT_MS[match[2] ?? "s"] : NaN;
}

const UNIT_BYTES: Record<string, number> = { b: 1, kib: 1024, mib: 1024 ** 2, kb: 1000, mb: 1000 ** 2 };

/** "1KiB" or "1KiB,30s": bytes per second, and the window the average is taken over. */
function minRate(flag: string, raw: string | undefined): MinTransferRate {
  if (raw === undefined) return DEFAULT_MIN_TRANSFER_RATE;
  const [rateText, windowText, extra] = raw.split(",").map((part) => part.trim());
  const match = /^(\d+(?:\.\d+)?)\s*(b|kib|mib|kb|mb)?(?:\/s)?$/i.exec(rateText);
  const bytesPerSecond = match ? Math.round(Number(match[1]) * UNIT_BYTES[(match[2] ?? "b").toLowerCase()]) : NaN;
  const windowMs = windowText === undefined ? DEFAULT_MIN_TRANSFER_RATE.windowMs : parseDuration(windowText);
  if (extra !== undefined || !(bytesPerSecond >= 0) || !(windowMs >= 1000) || windowMs > MAX_TIMEOUT_MS) {
    throw new UsageError(`${flag}: expected RATE[,WINDOW] such as 1KiB or 512B,60s (a rate per second, averaged over a window of at least 1s; 0 turns the floor off), got "${raw}"`);
  }
  return { bytesPerSecond, windowMs };
}

function imagesFormat(raw: string | undefined): "json" | "yaml" {
  if (raw === undefined) return "json";
  const format = raw.trim().toLowerCase();
  if (format !== "json" && format !== "yaml") throw new UsageError(`--output-images-format: expected json or yaml, got "${raw}"`);
  return format;
}

/** `--os windows:10.0.17763.1999`, `--arch arm:v7`: checked now, as a mistyped one would match nothing. */
function selectors(kind: "os" | "arch", values: string[] | undefined): string[] {
  const list = splitList(values);
  for (const entry of list) {
    try {
      parsePlatformSelector(kind, entry);
    } catch (error) {
      throw new UsageError(`--${kind}: ${(error as Error).message}`);
    }
  }
  return list;
}

/** `--arch amd64,arm64` and `--arch amd64 --arch arm64` mean the same. */
function splitList(values: string[] | undefined): string[] {
  return (values ?? []).flatMap((value) => value.split(",")).map((value) => value.trim()).filter(Boolean);
}
