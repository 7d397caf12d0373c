import { parseArgs } from "node:util";
import { RUN_SETTINGS, ResolvedRunSettings, RunSettingName, RunSettings, resolveRunSettings, runSettingProblem } from "../provider/sync";

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
  reverse: { type: "boolean" },
  from: { type: "string" },
  log: { type: "string" },
  "failed-images": { type: "string" },
  "output-success-images": { type: "string" },
  "output-images-format": { type: "string" },
  timeout: { type: "string" },
  "max-rps": { type: "string" },
  shard: { type: "string" },
  "min-rate": { type: "string" },
  json: { type: "boolean" },
  "metrics-file": { type: "string" },
  listen: { type: "string" },
  "resync-interval": { type: "string" },
  queue: { type: "string" },
  "follow-deletions": { type: "boolean" },
  "cert-dir": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** Flags some commands take and the others would ignore: refused by name rather than ignored. */
const ONLY_FOR: Partial<Record<keyof typeof OPTIONS, readonly string[]>> = {
  retries: ["sync", "watch"],
  force: ["sync", "watch"],
  repair: ["sync"],
  log: ["sync"],
  "failed-images": ["sync"],
  "output-success-images": ["sync"],
  "output-images-format": ["sync"],
  "min-rate": ["sync", "watch"],
  shallow: ["verify"],
  json: ["verify"],
  "metrics-file": ["verify"],
  // A watcher runs until it is stopped: a deadline for the whole run, or a shard of it, means nothing there.
  timeout: ["sync", "verify"],
  shard: ["sync", "verify"],
  listen: ["watch"],
  "resync-interval": ["watch"],
  queue: ["watch"],
  "follow-deletions": ["watch"],
  reverse: ["sync", "verify"],
  from: ["sync", "verify"],
};

/** The files and outputs the flags name, and the run's settings (RUN_SETTINGS) with their defaults applied. */
export interface CommandArguments extends ResolvedRunSettings {
  config?: string;
  auth?: string;
  images?: string;
  registry?: string;
  namespace?: string;
  /** verify: compare tag digests only. */
  shallow: boolean;
  /** Copy (or check) from the destinations back to the sources: `--reverse`, optionally `--from REGISTRY`, the site that served. */
  reverse?: { from?: string };
  log?: string;
  failedImages: string;
  /** `--output-success-images`: where to write the images that succeeded, as an images file. */
  successImages?: string;
  /** `--output-images-format`: json (default) or yaml. */
  imagesFormat: "json" | "yaml";
  /** `--cert-dir`: CAs and client certificates per registry host, docker's certs.d layout. */
  certDir?: string;
  /** The run settings as the flags gave them, for syncOptionsOf. */
  settings: RunSettings;
  json: boolean;
  /** verify: where to write the recovery point for node_exporter's textfile collector. */
  metricsFile?: string;
  /** watch's own flags, as given: the command reads them. */
  watch: { listen?: string; resyncInterval?: string; queue?: string; followDeletions: boolean };
  help: boolean;
}

export function parseCommandArguments(command: string, argv: string[]): CommandArguments {
  let values: FlagValues;
  try {
    ({ values } = parseArgs({ args: withNegativeValues(argv), options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError(`${describeParseError(error as Error)} (see registry-dr ${command} --help)`);
  }
  for (const [flag, owners] of Object.entries(ONLY_FOR)) {
    if (values[flag as keyof typeof values] !== undefined && !owners.includes(command))
      throw new UsageError(`--${flag} belongs to registry-dr ${owners.join(" and ")}, not ${command} (see registry-dr ${command} --help)`);
  }
  const settings = runSettingsOf(values);
  if (values.from !== undefined && !values.reverse) throw new UsageError("--from REGISTRY belongs to --reverse: the registry that served, copied back from");
  for (const flag of ["force", "repair"] as const)
    if (values.reverse && values[flag])
      throw new UsageError(`--${flag} cannot go with --reverse: a reverse sync never overwrites a tag the source holds; settle a conflicting tag by hand`);
  return {
    config: values.config,
    auth: values.auth,
    images: values.images,
    registry: values.registry,
    namespace: values.namespace,
    certDir: values["cert-dir"],
    ...resolveRunSettings(settings, "command"),
    settings,
    shallow: values.shallow ?? false,
    reverse: values.reverse ? { from: values.from } : undefined,
    log: values.log,
    failedImages: values["failed-images"] ?? "failed-images.json",
    successImages: values["output-success-images"],
    imagesFormat: imagesFormat(values["output-images-format"]),
    json: values.json ?? false,
    metricsFile: values["metrics-file"],
    watch: { listen: values.listen, resyncInterval: values["resync-interval"], queue: values.queue, followDeletions: values["follow-deletions"] ?? false },
    help: values.help ?? false,
  };
}

type FlagValues = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; strict: true; allowPositionals: false }>>["values"];

/** The run-setting flags, each parsed from its text and held to RUN_SETTINGS' bounds; only the given ones are set. */
function runSettingsOf(values: FlagValues): RunSettings {
  const settings: RunSettings = {
    proc: wholeNumber("proc", values.proc),
    retries: wholeNumber("retries", values.retries),
    os: selectors("os", values.os),
    arch: selectors("arch", values.arch),
    force: values.force,
    repair: values.repair,
    referrers: values["no-referrers"] ? false : undefined,
    shard: checked("shard", values.shard),
    timeoutSeconds: timeoutSeconds(values.timeout),
    maxRequestsPerSecond: rate(values["max-rps"]),
    minTransferRate: minTransferRate(values["min-rate"]),
  };
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined));
}

/** The value, if RUN_SETTINGS' schema takes it; else a UsageError naming the flag, the schema's expectation and (when it does not quote it) the text given. */
function checked<T>(name: RunSettingName, value: T, raw?: string): T {
  const problem = runSettingProblem(name, value);
  if (problem !== undefined) throw new UsageError(`${RUN_SETTINGS[name].flag}: ${problem}${raw === undefined ? "" : `, got "${raw}"`}`);
  return value;
}

/**
 * `--proc -1` is a value, not a flag: parseArgs would call it ambiguous, so it is joined to
 * its flag here and meets the value's own check ("expected a whole number from 1 to 256").
 */
function withNegativeValues(argv: string[]): string[] {
  const takesValue = (arg: string) =>
    Object.entries(OPTIONS).some(([name, option]) => option.type === "string" && (arg === `--${name}` || ("short" in option && arg === `-${option.short}`)));
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
  if (unknown?.[1] === "--server")
    return "--server (image-syncer's HTTP server mode) is not supported: run registry-dr sync from cron or a Kubernetes CronJob, or ImageSync under pulumi up, to repeat the sync";
  if (unknown) return `unknown flag ${unknown[1]}`;
  const missing = /Option '([^']+)' argument missing/.exec(error.message);
  if (missing) return `flag ${missing[1].split(",").pop()!.trim().split(" ")[0]} needs a value`;
  const positional = /Unexpected argument '([^']+)'/.exec(error.message);
  if (positional) return `unexpected argument "${positional[1]}": every input is given by a flag`;
  return error.message;
}

function wholeNumber(name: "proc" | "retries", raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  return checked(name, /^\d+$/.test(raw.trim()) ? Number(raw) : NaN, raw);
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

const LONGEST_TIMEOUT = `${Math.floor(RUN_SETTINGS.timeoutSeconds.max / 86_400)}d (${Math.floor(RUN_SETTINGS.timeoutSeconds.max / 3_600)}h)`;

/**
 * `--timeout`: "90s", "30m", "2h", "500ms", "7d"; a bare number is seconds. Durations below a
 * second are the command's own (a test's deadline, say); the ceiling is timeoutSeconds'.
 */
function timeoutSeconds(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const ms = parseDuration(raw);
  if (!(ms > 0)) throw new UsageError(`--timeout: expected a duration above zero such as 90s, 30m or 2h, got "${raw}"`);
  if (ms > RUN_SETTINGS.timeoutSeconds.max * 1000) throw new UsageError(`--timeout: at most ${LONGEST_TIMEOUT}, got "${raw}"`);
  return ms / 1000;
}

/** `--max-rps`: requests per second, "20" or "0.5". */
function rate(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  return checked("maxRequestsPerSecond", /^\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : NaN, raw);
}

export function parseDuration(raw: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(raw.trim());
  return match ? Number(match[1]) * UNIT_MS[match[2] ?? "s"] : NaN;
}

const UNIT_BYTES: Record<string, number> = { b: 1, kib: 1024, mib: 1024 ** 2, kb: 1000, mb: 1000 ** 2 };

/** `--min-rate`: "1KiB" or "1KiB,30s": bytes per second, and the window the average is taken over. */
function minTransferRate(raw: string | undefined): RunSettings["minTransferRate"] {
  if (raw === undefined) return undefined;
  const [rateText, windowText, extra] = raw.split(",").map((part) => part.trim());
  const match = /^(\d+(?:\.\d+)?)\s*(b|kib|mib|kb|mb)?(?:\/s)?$/i.exec(rateText);
  const bytesPerSecond = match ? Math.round(Number(match[1]) * UNIT_BYTES[(match[2] ?? "b").toLowerCase()]) : NaN;
  const windowSeconds = windowText === undefined ? RUN_SETTINGS.minTransferRate.default.windowSeconds : parseDuration(windowText) / 1000;
  const value = { bytesPerSecond, windowSeconds };
  if (extra !== undefined || runSettingProblem("minTransferRate", value) !== undefined) {
    throw new UsageError(
      `--min-rate: expected RATE[,WINDOW] such as 1KiB or 512B,60s (a rate per second, averaged over a window of at least ${RUN_SETTINGS.minTransferRate.minWindowSeconds}s; 0 turns the floor off), got "${raw}"`,
    );
  }
  return value;
}

function imagesFormat(raw: string | undefined): "json" | "yaml" {
  if (raw === undefined) return "json";
  const format = raw.trim().toLowerCase();
  if (format !== "json" && format !== "yaml") throw new UsageError(`--output-images-format: expected json or yaml, got "${raw}"`);
  return format;
}

/** `--os windows:10.0.17763.1999`, `--arch arm:v7`: checked now, as a mistyped one would match nothing. */
function selectors(kind: "os" | "arch", values: string[] | undefined): string[] | undefined {
  return values === undefined ? undefined : checked(kind, splitList(values));
}

/** `--arch amd64,arm64` and `--arch amd64 --arch arm64` mean the same. */
function splitList(values: string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((value) => value.split(","))
    .map((value) => value.trim())
    .filter(Boolean);
}
