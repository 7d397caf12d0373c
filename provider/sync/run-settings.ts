import { z } from "zod";
import type { SyncEventListener } from "./events";
import { formatDuration } from "./format";
import { PlatformFilter, parsePlatformSelector } from "./platform-filter";
import { Shard, parseShard } from "./shard";
import type { SyncOptions } from "./sync-job";
import { MinTransferRate } from "./transfer-watchdog";

/**
 * A run's settings, declared once: their bounds, defaults and meaning. The command's flags,
 * SyncSchedule's `sync` flags (its pods run the command), ImageSync's inputs, the DR plan's
 * `direct` block and the root stack's config keys all take them from here, so a value one of
 * them accepts is never refused, or misread, by another. `syncOptionsOf` is the one place
 * their defaults are applied.
 */

/** Node's timers hold at most 2^31-1 ms (24.8 days); a longer one fires at once. */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

/** Each setting: the command's flag, its bounds, its default, and what it does. */
export const RUN_SETTINGS = {
  proc: {
    flag: "--proc",
    min: 1,
    // More only queues images at the registries (and opens as many connections).
    max: 256,
    default: 5,
    doc: "images copied at once",
  },
  retries: { flag: "--retries", min: 0, max: 100, default: 2, doc: "extra rounds for images that failed transiently" },
  timeoutSeconds: {
    flag: "--timeout",
    min: 1,
    max: Math.floor(LONGEST_TIMER_MS / 1000),
    /** The command runs until done; under Pulumi (whose customTimeouts do not reach dynamic providers) a run stops after an hour. */
    default: undefined,
    defaultUnderPulumi: 3600,
    doc: "stop the run after this long; unfinished images fail as cancelled",
  },
  maxRequestsPerSecond: {
    flag: "--max-rps",
    doc: "at most this many requests a second to each registry host (Artifact Registry quotas); 429 answers are retried after their Retry-After anyway",
  },
  minTransferRate: {
    flag: "--min-rate",
    default: { bytesPerSecond: 1024, windowSeconds: 30 },
    minWindowSeconds: 1,
    maxWindowSeconds: Math.floor(LONGEST_TIMER_MS / 1000),
    doc: "a blob transfer slower than this many bytes a second, averaged over the window, fails as stalled, naming the slow registry (0 turns it off)",
  },
  os: { flag: "--os", doc: "copy only these OSes of multi-arch images: linux, or os:osversion such as windows:10.0.17763.1999" },
  arch: { flag: "--arch", doc: "copy only these architectures: amd64, or arch:variant such as arm:v7 (arm/v7 too)" },
  force: { flag: "--force", default: false, doc: "push manifests even when the destination has them" },
  repair: { flag: "--repair", default: false, doc: "check every child manifest and blob under tags that are up to date, and re-copy what is missing" },
  referrers: { flag: "--no-referrers", default: true, doc: "copy cosign signatures and OCI referrers with each image (--no-referrers is false)" },
  shard: { flag: "--shard", doc: "copy only shard i of N (i/N, numbered from 0): N runs together copy the job once" },
} as const;

/** The engine's floor when a run names none (RUN_SETTINGS.minTransferRate's default). */
export const DEFAULT_MIN_TRANSFER_RATE: MinTransferRate = {
  bytesPerSecond: RUN_SETTINGS.minTransferRate.default.bytesPerSecond,
  windowMs: RUN_SETTINGS.minTransferRate.default.windowSeconds * 1000,
};

/** What a run's settings hold after checking; every one optional, its default from RUN_SETTINGS. */
export interface RunSettings {
  /** Images copied at once (1-256, default 5). */
  proc?: number;
  /** Extra rounds for images that failed transiently (0-100, default 2). */
  retries?: number;
  /** Copy only these OSes of multi-arch images: `linux`, or `os:osversion` such as `windows:10.0.17763.1999`. */
  os?: string[];
  /** Copy only these architectures: `amd64`, or `arch:variant` such as `arm:v7` (`arm/v7` too). */
  arch?: string[];
  /** Push manifests even when the destination has them (default false). */
  force?: boolean;
  /** Check every child manifest and blob under up-to-date tags and re-copy what is missing (default false). */
  repair?: boolean;
  /** Copy cosign signatures and OCI referrers with each image (default true). */
  referrers?: boolean;
  /** This run's part of the job, "i/N": N runs (or N stacks) together copy it once. */
  shard?: string;
  /** Deadline for the run, 1 s to 24 days (none for the command; 3600 under Pulumi, whose customTimeouts do not reach dynamic providers). */
  timeoutSeconds?: number;
  /** At most this many requests a second to each registry host (Artifact Registry's per-project quotas); 429 and Retry-After are honoured anyway. */
  maxRequestsPerSecond?: number;
  /** Blob transfers slower than this fail as stalled (default 1 KiB/s over 30 s; 0 bytes a second turns it off). */
  minTransferRate?: { bytesPerSecond: number; windowSeconds: number };
}

/** "expected a whole number from 1 to 256": the bound every surface states alike. */
export function wholeNumberExpectation(setting: { min: number; max: number }, unit = ""): string {
  return `expected a whole number${unit ? ` of ${unit}` : ""} from ${setting.min} to ${setting.max}`;
}

const LONGEST_TIMEOUT_TEXT = `${Math.floor(RUN_SETTINGS.timeoutSeconds.max / 86_400)} days`;

function wholeNumber(setting: { min: number; max: number }, unit = "", note = ""): z.ZodNumber {
  const error = `${wholeNumberExpectation(setting, unit)}${note}`;
  return z.number({ error }).int({ error }).min(setting.min, { error }).max(setting.max, { error });
}

function selectorList(kind: "os" | "arch") {
  const what = kind === "os" ? "OS selectors (linux, windows:10.0.17763.1999)" : "architecture selectors (amd64, arm64, arm:v7)";
  const selector = z.string({ error: `expected an ${kind} selector string` }).superRefine((text, context) => {
    try {
      parsePlatformSelector(kind, text);
    } catch (error) {
      context.addIssue({ code: "custom", message: (error as Error).message });
    }
  });
  return z.array(selector, { error: `expected a list of ${what}` });
}

const onOff = () => z.boolean({ error: "expected true or false" });

const requestsPerSecond = "expected requests per second above zero, such as 20";

/** A function, not a constant: each call gets a fresh schema. Every surface takes its fields from this one. */
export const runSettingsSchema = () =>
  z.strictObject({
    proc: wholeNumber(RUN_SETTINGS.proc).optional().describe(RUN_SETTINGS.proc.doc),
    retries: wholeNumber(RUN_SETTINGS.retries).optional().describe(RUN_SETTINGS.retries.doc),
    os: selectorList("os").optional().describe(RUN_SETTINGS.os.doc),
    arch: selectorList("arch").optional().describe(RUN_SETTINGS.arch.doc),
    force: onOff().optional().describe(RUN_SETTINGS.force.doc),
    repair: onOff().optional().describe(RUN_SETTINGS.repair.doc),
    referrers: onOff().optional().describe(RUN_SETTINGS.referrers.doc),
    shard: z
      .string({ error: "expected i/N, such as 0/3" })
      .superRefine((text, context) => {
        try {
          parseShard(text);
        } catch (error) {
          context.addIssue({ code: "custom", message: (error as Error).message });
        }
      })
      .optional()
      .describe(RUN_SETTINGS.shard.doc),
    timeoutSeconds: wholeNumber(RUN_SETTINGS.timeoutSeconds, "seconds", ` (at most ${LONGEST_TIMEOUT_TEXT}: Node's timers go no further)`)
      .optional()
      .describe(RUN_SETTINGS.timeoutSeconds.doc),
    maxRequestsPerSecond: z
      .number({ error: requestsPerSecond })
      .positive({ error: requestsPerSecond })
      .finite({ error: requestsPerSecond })
      .optional()
      .describe(RUN_SETTINGS.maxRequestsPerSecond.doc),
    minTransferRate: z
      .strictObject(
        {
          bytesPerSecond: z
            .number({ error: "expected bytes a second, 0 or more" })
            .min(0, { error: "expected bytes a second, 0 or more" })
            .finite({ error: "expected bytes a second, 0 or more" }),
          windowSeconds: z
            .number({ error: windowExpectation() })
            .min(RUN_SETTINGS.minTransferRate.minWindowSeconds, { error: windowExpectation() })
            .max(RUN_SETTINGS.minTransferRate.maxWindowSeconds, { error: windowExpectation() }),
        },
        { error: "expected {bytesPerSecond, windowSeconds}" },
      )
      .optional()
      .describe(RUN_SETTINGS.minTransferRate.doc),
  });

type RunSettingsShape = ReturnType<typeof runSettingsSchema>["shape"];

/** The named settings' schemas, for a surface that takes only some (SyncSchedule's pods get their shard elsewhere). */
export function runSettingFields<K extends keyof RunSettingsShape>(names: readonly K[]): Pick<RunSettingsShape, K> {
  const shape = runSettingsSchema().shape;
  return Object.fromEntries(names.map((name) => [name, shape[name]])) as Pick<RunSettingsShape, K>;
}

function windowExpectation(): string {
  return `expected a window of ${RUN_SETTINGS.minTransferRate.minWindowSeconds} s to ${LONGEST_TIMEOUT_TEXT}, in seconds`;
}

/** The schema accepts exactly RunSettings: drift between the two breaks the build. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaIsRunSettings: Same<z.output<ReturnType<typeof runSettingsSchema>>, RunSettings> = true;
void schemaIsRunSettings;

export type RunSettingName = keyof RunSettings;

/** One setting's problem with a value ("expected a whole number from 1 to 256"), or undefined when it is fine. */
export function runSettingProblem(name: RunSettingName, value: unknown): string | undefined {
  const parsed = runSettingsSchema().shape[name].safeParse(value);
  return parsed.success ? undefined : parsed.error.issues[0].message;
}

/** Who asked for the run: the command (no deadline unless given) or a resource under Pulumi (an hour unless given). */
export type RunSurface = "command" | "pulumi";

/** The settings with every default applied: what the engine runs with. */
export interface ResolvedRunSettings {
  proc: number;
  retries: number;
  platforms: PlatformFilter;
  force: boolean;
  repair: boolean;
  referrers: boolean;
  shard?: Shard;
  /** The whole run's deadline; none when undefined. */
  timeoutMs?: number;
  maxRequestsPerSecond?: number;
  minRate: MinTransferRate;
}

/** Defaults applied, once. The settings have been checked (by runSettingsSchema, or a flag parser holding to its bounds). */
export function resolveRunSettings(settings: RunSettings, surface: RunSurface): ResolvedRunSettings {
  const timeoutSeconds =
    settings.timeoutSeconds ?? (surface === "pulumi" ? RUN_SETTINGS.timeoutSeconds.defaultUnderPulumi : RUN_SETTINGS.timeoutSeconds.default);
  return {
    proc: settings.proc ?? RUN_SETTINGS.proc.default,
    retries: settings.retries ?? RUN_SETTINGS.retries.default,
    platforms: { os: settings.os ?? [], arch: settings.arch ?? [] },
    force: settings.force ?? RUN_SETTINGS.force.default,
    repair: settings.repair ?? RUN_SETTINGS.repair.default,
    referrers: settings.referrers ?? RUN_SETTINGS.referrers.default,
    shard: settings.shard === undefined ? undefined : parseShard(settings.shard),
    timeoutMs: timeoutSeconds === undefined ? undefined : Math.round(timeoutSeconds * 1000),
    maxRequestsPerSecond: settings.maxRequestsPerSecond,
    minRate:
      settings.minTransferRate === undefined
        ? DEFAULT_MIN_TRANSFER_RATE
        : { bytesPerSecond: settings.minTransferRate.bytesPerSecond, windowMs: Math.round(settings.minTransferRate.windowSeconds * 1000) },
  };
}

/** What a run has besides its settings. */
export interface RunContext {
  surface: RunSurface;
  /** Cancels the run (Ctrl-C); the deadline is added to it. */
  signal?: AbortSignal;
  onEvent?: SyncEventListener;
  /** verify: compare tag digests only. */
  shallow?: boolean;
}

/** The engine's options for a run with these settings: the one way from settings to SyncOptions. */
export function syncOptionsOf(settings: RunSettings, context: RunContext): SyncOptions {
  const { timeoutMs, maxRequestsPerSecond, ...engine } = resolveRunSettings(settings, context.surface);
  const deadline =
    timeoutMs === undefined ? undefined : deadlineSignal(timeoutMs, context.surface === "command" ? RUN_SETTINGS.timeoutSeconds.flag : "timeoutSeconds");
  const signal = deadline && context.signal ? AbortSignal.any([context.signal, deadline]) : (deadline ?? context.signal);
  return {
    ...engine,
    shallow: context.shallow,
    signal,
    onEvent: context.onEvent,
    ...(maxRequestsPerSecond === undefined ? {} : { transport: { maxRequestsPerSecond } }),
  };
}

/** Like AbortSignal.timeout, but its reason names the setting that ran out ("--timeout of 1.5 s reached"). */
function deadlineSignal(ms: number, name: string): AbortSignal {
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error(`${name} of ${formatDuration(ms)} reached`)), ms).unref();
  return controller.signal;
}
