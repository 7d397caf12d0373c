import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { parseCommandArguments, UsageError } from "../../cli/arguments";
import { SYNC_HELP } from "../../cli/help";
import { parseDrPlan } from "../../components/disaster-recovery/plan-schema";
import { validateSyncScheduleArgs } from "../../components/kubernetes/sync-schedule-args";
import { imageSyncProvider } from "../../provider/resources/image-sync";
import { RUN_SETTINGS, RunSettingName, runSettingProblem, runSettingsSchema, syncOptionsOf } from "../../provider/sync";
import { readStackConfig } from "../../components/dr-stack";

/**
 * The run settings are declared once (provider/sync/run-settings.ts): every way of asking for a
 * run (the command's flags, SyncSchedule's `sync`, ImageSync's inputs, the DR plan's `direct`
 * block, the root stack's config keys) refuses what the schema refuses, with its words, and
 * takes what it takes.
 */

const ROOT = resolve(__dirname, "../../..");
const IMAGES = { "harbor.example.com/library/nginx": "dr.example.com/mirror/nginx" };

/** One way of asking for a run: the settings it carries, and the problem it reports for one value (undefined when taken). */
interface Surface {
  name: string;
  carries: RunSettingName[];
  problem(setting: RunSettingName, value: unknown): Promise<string | undefined>;
}

const messageOf = (error: unknown) => {
  if (error instanceof Error) return error.message;
  throw error;
};

const command: Surface = {
  name: "registry-dr sync",
  carries: ["proc", "retries", "os", "arch", "force", "repair", "referrers", "shard", "timeoutSeconds", "maxRequestsPerSecond", "minTransferRate"],
  async problem(setting, value) {
    const flag = RUN_SETTINGS[setting].flag;
    const argv = setting === "timeoutSeconds" ? [flag, `${value}s`] : Array.isArray(value) ? [flag, value.join(",")] : [flag, String(value)];
    try {
      parseCommandArguments("sync", argv);
      return undefined;
    } catch (error) {
      assert.ok(error instanceof UsageError, String(error));
      return messageOf(error);
    }
  },
};

const schedule: Surface = {
  name: "SyncSchedule",
  carries: ["proc", "retries", "os", "arch", "force", "repair", "referrers", "timeoutSeconds", "maxRequestsPerSecond"],
  async problem(setting, value) {
    try {
      validateSyncScheduleArgs("nightly", {
        schedule: "0 * * * *",
        image: "registry.example.com/tools/registry-dr:0.1.0",
        config: { images: IMAGES },
        sync: { [setting]: value },
      });
      return undefined;
    } catch (error) {
      return messageOf(error);
    }
  },
};

const imageSync: Surface = {
  name: "ImageSync",
  carries: ["proc", "retries", "os", "arch", "force", "repair", "referrers", "shard", "timeoutSeconds", "maxRequestsPerSecond"],
  async problem(setting, value) {
    const failures = (await imageSyncProvider.check!({}, { images: IMAGES, [setting]: value })).failures ?? [];
    return failures.length === 0 ? undefined : failures.map((failure) => `${failure.property}: ${failure.reason}`).join("\n");
  },
};

const plan: Surface = {
  name: "the DR plan's direct block",
  carries: ["proc", "retries", "timeoutSeconds"],
  async problem(setting, value) {
    const drPlan = {
      primary: { registry: "registry.dc1.example.com", auth: { username: "reader", password: "p" } },
      protect: { repositories: ["library/nginx"] },
      sites: { dc2: { registry: { url: "https://registry.dc2.example.com", namespace: "mirror" }, replication: { direct: { [setting]: value } } } },
    };
    try {
      parseDrPlan(drPlan, "registry-dr:plan");
      return undefined;
    } catch (error) {
      return messageOf(error);
    }
  },
};

const stackConfig: Surface = {
  name: "the root stack's config keys",
  carries: ["proc", "retries", "os", "arch", "force", "repair", "referrers", "shard", "timeoutSeconds", "maxRequestsPerSecond"],
  async problem(setting, value) {
    const config: Record<string, string> = { "registry-dr:images": JSON.stringify(IMAGES), [`registry-dr:${setting}`]: JSON.stringify(value) };
    try {
      readStackConfig("registry-dr", (key) => config[key]);
      return undefined;
    } catch (error) {
      return messageOf(error);
    }
  },
};

const SURFACES = [command, schedule, imageSync, plan, stackConfig];

/** Values at and just past each bounded setting's bounds. */
const BOUNDED = (["proc", "retries", "timeoutSeconds"] as const).map((setting) => ({
  setting,
  min: RUN_SETTINGS[setting].min,
  max: RUN_SETTINGS[setting].max,
}));

test("each surface carries only settings of the one schema", () => {
  const declared = Object.keys(runSettingsSchema().shape).sort();
  assert.deepEqual(Object.keys(RUN_SETTINGS).sort(), declared, "every setting has its flag, bounds and doc");
  for (const surface of SURFACES) for (const setting of surface.carries) assert.ok(declared.includes(setting), `${surface.name}: ${setting}`);
  for (const setting of declared) assert.ok(runSettingsSchema().shape[setting as RunSettingName].description, `${setting} has its doc text`);
});

test("every surface takes each bound and refuses just past it, naming the setting and the bound the schema states", async () => {
  for (const { setting, min, max } of BOUNDED) {
    for (const surface of SURFACES.filter((surface) => surface.carries.includes(setting))) {
      assert.equal(await surface.problem(setting, max), undefined, `${surface.name} takes ${setting} ${max}`);
      assert.equal(await surface.problem(setting, min), undefined, `${surface.name} takes ${setting} ${min}`);
      for (const beyond of [max + 1, min - 1]) {
        const problem = await surface.problem(setting, beyond);
        assert.ok(problem !== undefined, `${surface.name} refuses ${setting} ${beyond}`);
        const named = surface === command ? (setting === "timeoutSeconds" ? "--timeout" : RUN_SETTINGS[setting].flag) : setting;
        assert.ok(problem.includes(named), `${surface.name}: ${problem} names ${named}`);
        // The command states --timeout's bound as a duration (it takes 500ms as well as whole seconds).
        if (setting !== "timeoutSeconds" || surface !== command)
          assert.ok(problem.includes(runSettingProblem(setting, beyond)!), `${surface.name}: ${problem}`);
      }
    }
  }
});

test("requests per second, platform selectors and shards: the same values refused everywhere", async () => {
  const cases: [RunSettingName, unknown, unknown][] = [
    ["maxRequestsPerSecond", 0.5, 0],
    ["os", ["windows:10.0.17763.1999"], ["windows:"]],
    ["arch", ["arm:v7", "arm64"], ["arm:"]],
    ["shard", "2/3", "3/3"],
  ];
  for (const [setting, good, bad] of cases) {
    const expected = runSettingProblem(setting, bad)!;
    assert.ok(expected, `${setting} ${JSON.stringify(bad)} is refused by the schema`);
    assert.equal(runSettingProblem(setting, good), undefined);
    for (const surface of SURFACES.filter((surface) => surface.carries.includes(setting))) {
      assert.equal(await surface.problem(setting, good), undefined, `${surface.name} takes ${setting} ${JSON.stringify(good)}`);
      const problem = await surface.problem(setting, bad);
      assert.ok(problem?.includes(expected), `${surface.name}: ${problem} says ${expected}`);
    }
  }
});

test("ImageSync refuses a timeoutSeconds past Node's longest timer, which would abort the run after 1 ms", async () => {
  const problem = await imageSync.problem("timeoutSeconds", 2_500_000);
  assert.match(problem ?? "", /^timeoutSeconds: expected a whole number of seconds from 1 to 2147483 \(at most 24 days: Node's timers go no further\)$/);
});

test("proc 257 is refused by ImageSync and by the plan's direct block, as by the command and SyncSchedule", async () => {
  assert.equal(await imageSync.problem("proc", 257), "proc: expected a whole number from 1 to 256");
  assert.match((await plan.problem("proc", 257)) ?? "", /registry-dr:plan\.sites\.dc2\.replication\.direct\.proc: expected a whole number from 1 to 256/);
  assert.match((await command.problem("proc", 257)) ?? "", /^--proc: expected a whole number from 1 to 256, got "257"$/);
  assert.match((await schedule.problem("proc", 257)) ?? "", /sync\.proc: expected a whole number from 1 to 256/);
});

test("defaults are applied in one place: the command's and a resource's runs differ only in the deadline", async () => {
  const commandRun = syncOptionsOf({}, { surface: "command" });
  const resourceRun = syncOptionsOf({}, { surface: "pulumi" });
  assert.deepEqual(
    [commandRun.proc, commandRun.retries, commandRun.force, commandRun.repair, commandRun.referrers, commandRun.platforms, commandRun.minRate],
    [5, 2, false, false, true, { os: [], arch: [] }, { bytesPerSecond: 1024, windowMs: 30_000 }],
  );
  assert.deepEqual({ ...resourceRun, signal: undefined }, { ...commandRun, signal: undefined });
  assert.equal(commandRun.signal, undefined, "the command runs until done unless --timeout is given");
  assert.ok(resourceRun.signal && !resourceRun.signal.aborted, "a resource's run has its hour");
  const parsed = parseCommandArguments("sync", []);
  assert.deepEqual(
    [parsed.proc, parsed.retries, parsed.referrers, parsed.minRate, parsed.timeoutMs],
    [commandRun.proc, commandRun.retries, commandRun.referrers, commandRun.minRate, undefined],
  );
  const longest = syncOptionsOf({ timeoutSeconds: RUN_SETTINGS.timeoutSeconds.max }, { surface: "pulumi" });
  await new Promise((done) => setTimeout(done, 20));
  assert.equal(longest.signal?.aborted, false, "the longest deadline does not fire at once");
});

test("a deadline's reason names the setting that ran out, and a cancel still cancels", async () => {
  const short = syncOptionsOf({ timeoutSeconds: 0.05 }, { surface: "command" });
  await new Promise((done) => setTimeout(done, 120));
  assert.equal((short.signal!.reason as Error).message, "--timeout of 50 ms reached");
  const controller = new AbortController();
  const cancelled = syncOptionsOf({ timeoutSeconds: 3600, maxRequestsPerSecond: 4 }, { surface: "pulumi", signal: controller.signal });
  assert.deepEqual(cancelled.transport, { maxRequestsPerSecond: 4 });
  controller.abort(new Error("interrupted"));
  assert.equal((cancelled.signal!.reason as Error).message, "interrupted");
});

test("the command's help and the README's flag table state the schema's defaults and bounds", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const row = (flag: string) => readme.split("\n").find((line) => line.startsWith(`| \`${flag}`)) ?? "";
  const helpLine = (flag: string) => {
    const lines = SYNC_HELP.split("\n");
    const at = lines.findIndex((line) => line.includes(` ${flag} `));
    return `${lines[at]} ${lines[at + 1]}`;
  };
  for (const setting of ["proc", "retries"] as const) {
    const { flag, default: fallback, max } = RUN_SETTINGS[setting];
    assert.match(helpLine(flag), new RegExp(`\\(default ${fallback},\\s+at most ${max}\\)`), flag);
    assert.match(row(`-${flag[2]}, ${flag}`), new RegExp(`\\(${fallback}; at most ${max}\\)`), flag);
  }
  const days = Math.floor(RUN_SETTINGS.timeoutSeconds.max / 86_400);
  assert.match(helpLine("--timeout"), new RegExp(`at most ${days}d\\)`));
  assert.match(row("--timeout"), new RegExp(`at most \`${days}d\``));
  const rate = RUN_SETTINGS.minTransferRate.default;
  const rateText = `${rate.bytesPerSecond / 1024}KiB,${rate.windowSeconds}s`;
  assert.ok(SYNC_HELP.includes(`(default ${rateText};`), "help states --min-rate's default");
  assert.ok(row("--min-rate").includes(`(default \`${rateText}\`;`), "README states --min-rate's default");
  assert.throws(() => parseCommandArguments("sync", ["--timeout", `${days + 1}d`]), new RegExp(`--timeout: at most ${days}d`));
  assert.ok(readme.includes(`\`timeoutSeconds\` (whole seconds, 1 to ${RUN_SETTINGS.timeoutSeconds.max}`), "README states ImageSync's timeoutSeconds bounds");
});
