import * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseCommandArguments } from "../../cli/arguments";
import { loadSyncJob } from "../../cli/config-files";
import { SyncSchedule, SyncScheduleArgs } from "../../components";
import { cronScheduleProblem } from "../../components/kubernetes/cron-schedule";
import { authFileText, imagesFileText } from "../../components/kubernetes/sync-config-files";
import { inShard, withEnvironmentValues } from "../../provider/sync";
import { makeTempDir, removeTempDir } from "../support/processes";
import { isRegisteredSecret, recordKubernetesRegistrations, valueOf } from "../support/pulumi-mocks";

/**
 * SyncSchedule under mocks: a CronJob whose Job is Indexed (one pod per shard, each running
 * `registry-dr sync --shard i/N`), the images in a ConfigMap, the credentials in a Secret.
 * The rendered command line and files are fed to the command's own parsers.
 */

const COMPONENT = "registry-dr:kubernetes:SyncSchedule";
const HARBOR_PASSWORD = "harbor-robot-password-never-shown";
const ACR_SECRET = "acr-access-key-secret-never-shown";
const IMAGES = {
  "harbor.example.com/library/nginx": "myacr-registry.cn-hangzhou.cr.aliyuncs.com/library/nginx",
  "harbor.example.com/library/redis:7.2": [
    "myacr-registry.cn-hangzhou.cr.aliyuncs.com/library/redis",
    "europe-west4-docker.pkg.dev/dr-project/dr-images/redis",
  ],
  "harbor.example.com/apps/*": "",
};
const AUTH = {
  "harbor.example.com": { username: "robot$dr-sync", password: HARBOR_PASSWORD },
  "myacr-registry.cn-hangzhou.cr.aliyuncs.com": {
    alicloud: { instanceId: "cri-kmsiwlxxdcvaduwb", region: "cn-hangzhou", accessKeyId: "LTAI5tExample", accessKeySecret: ACR_SECRET },
  },
};
const BASE: SyncScheduleArgs = {
  schedule: "*/30 * * * *",
  shards: 3,
  image: "registry.example.com/tools/registry-dr:0.1.0",
  namespace: "registry-dr",
  config: { images: IMAGES, auth: pulumi.secret(AUTH) },
  sync: { proc: 8, retries: 3, registry: "myacr-registry.cn-hangzhou.cr.aliyuncs.com", namespace: "dr", timeoutSeconds: 3600 },
};

type Registered = pulumi.runtime.MockResourceArgs;

const mock = (project = "sync-schedule-test") => recordKubernetesRegistrations(project);

async function settled(schedule: SyncSchedule): Promise<void> {
  await Promise.all([schedule.configMap, schedule.cronJob, ...(schedule.authSecret ? [schedule.authSecret] : [])].map((child) => valueOf(child.urn)));
}

const ofType = (registered: Registered[], type: string) => registered.filter((resource) => resource.type === type);
/** The plain value of a registered input, whether or not it was sent as a secret. */
const plain = (value: unknown) =>
  JSON.parse(JSON.stringify(value), (_key, item) => (item && typeof item === "object" && "4dabf18193072939515e22adb298388d" in item ? item.value : item));

function podOf(cronJob: Registered) {
  const job = cronJob.inputs.spec.jobTemplate.spec;
  return { job, pod: job.template.spec, container: job.template.spec.containers[0] };
}

/** The container's args as pod `index` runs them: Kubernetes expands `$(JOB_COMPLETION_INDEX)`. */
const expanded = (args: string[], index: number) => args.map((arg) => arg.replace("$(JOB_COMPLETION_INDEX)", String(index)));

test("SyncSchedule: a CronJob of an Indexed Job, one pod per shard, Forbid by default, running registry-dr sync --shard $(JOB_COMPLETION_INDEX)/N", async () => {
  const registered = await mock();
  const schedule = new SyncSchedule("harbor-dr", BASE);
  await settled(schedule);
  assert.deepEqual(registered.map((resource) => [resource.type, resource.name]).sort(), [
    ["kubernetes:batch/v1:CronJob", "harbor-dr-sync"],
    ["kubernetes:core/v1:ConfigMap", "harbor-dr-images"],
    ["kubernetes:core/v1:Secret", "harbor-dr-auth"],
    [COMPONENT, "harbor-dr"],
  ]);
  for (const child of [schedule.configMap, schedule.authSecret!, schedule.cronJob])
    assert.ok((await valueOf(child.urn)).includes(`::${COMPONENT}$kubernetes:`), "a child of the component");

  const [cronJob] = ofType(registered, "kubernetes:batch/v1:CronJob");
  assert.equal(cronJob.inputs.metadata.namespace, "registry-dr");
  const spec = cronJob.inputs.spec;
  assert.deepEqual([spec.schedule, spec.concurrencyPolicy], ["*/30 * * * *", "Forbid"], "a DR sync never overlaps itself unless asked");
  const { job, pod, container } = podOf(cronJob);
  assert.deepEqual([job.completionMode, job.completions, job.parallelism], ["Indexed", 3, 3]);
  assert.equal(pod.restartPolicy, "Never");
  assert.equal(pod.automountServiceAccountToken, false);
  assert.deepEqual(pod.securityContext, { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
  assert.deepEqual(container.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
  assert.deepEqual(
    job.podFailurePolicy.rules[0],
    { action: "FailJob", onExitCodes: { containerName: "sync", operator: "In", values: [2] } },
    "bad input is not retried",
  );
  assert.equal(container.image, "registry.example.com/tools/registry-dr:0.1.0");
  assert.deepEqual(container.command, ["registry-dr"]);
  assert.deepEqual(container.args, [
    "sync",
    "--images",
    "/etc/registry-dr/images/images.json",
    "--auth",
    "/etc/registry-dr/auth/auth.json",
    "--shard",
    "$(JOB_COMPLETION_INDEX)/3",
    "--failed-images",
    "/tmp/failed-images.json",
    "--proc",
    "8",
    "--retries",
    "3",
    "--registry",
    "myacr-registry.cn-hangzhou.cr.aliyuncs.com",
    "--namespace",
    "dr",
    "--timeout",
    "3600s",
  ]);
  assert.deepEqual(container.env, [
    { name: "JOB_COMPLETION_INDEX", valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } },
  ]);

  // The auth file is the created Secret, mounted where --auth reads it; the images file is the ConfigMap.
  const [secret] = ofType(registered, "kubernetes:core/v1:Secret");
  const [configMap] = ofType(registered, "kubernetes:core/v1:ConfigMap");
  const volumes = Object.fromEntries(pod.volumes.map((volume: { name: string }) => [volume.name, volume]));
  assert.deepEqual(volumes.auth.secret, { secretName: "harbor-dr-auth-1a2b3c4d", items: [{ key: "auth.json", path: "auth.json" }] });
  assert.deepEqual(volumes.images.configMap, { name: "harbor-dr-images-1a2b3c4d", items: [{ key: "images.json", path: "images.json" }] });
  assert.deepEqual(volumes.tmp, { name: "tmp", emptyDir: {} });
  assert.deepEqual(container.volumeMounts, [
    { name: "images", mountPath: "/etc/registry-dr/images", readOnly: true },
    { name: "auth", mountPath: "/etc/registry-dr/auth", readOnly: true },
    { name: "tmp", mountPath: "/tmp" },
  ]);
  assert.deepEqual(JSON.parse(configMap.inputs.data["images.json"]), IMAGES, "the ConfigMap holds the config without credentials");
  assert.equal(secret.inputs.metadata.namespace, "registry-dr");
  assert.deepEqual(JSON.parse(plain(secret.inputs.stringData)["auth.json"]), AUTH);

  assert.equal(await valueOf(schedule.cronJobName), "harbor-dr-sync-1a2b3c4d");
  assert.equal(await valueOf(schedule.configMapName), "harbor-dr-images-1a2b3c4d");
  assert.equal(await valueOf(schedule.authSecretName), "harbor-dr-auth-1a2b3c4d");
  assert.equal(await valueOf(schedule.namespace), "registry-dr");
});

test("SyncSchedule: credentials are secret in the Secret and absent from every other resource and from the outputs", async () => {
  const registered = await mock();
  // Given as plain values: the component still makes them secret.
  const schedule = new SyncSchedule("plain-auth", { ...BASE, config: { images: IMAGES, auth: AUTH } });
  await settled(schedule);
  const [secret] = ofType(registered, "kubernetes:core/v1:Secret");
  assert.ok(isRegisteredSecret(secret.inputs.stringData), "the auth file is a secret input");
  for (const resource of registered.filter((resource) => resource !== secret)) {
    const text = JSON.stringify(resource.inputs);
    for (const credential of [HARBOR_PASSWORD, ACR_SECRET, "LTAI5tExample"])
      assert.ok(!text.includes(credential), `${resource.type} ${resource.name} does not hold a credential`);
  }
  const outputs = await valueOf(pulumi.all([schedule.cronJobName, schedule.namespace, schedule.configMapName, schedule.authSecretName]));
  assert.ok(!JSON.stringify(outputs).includes(HARBOR_PASSWORD));
});

test("SyncSchedule: the rendered files and each pod's command line are accepted by the registry-dr command's own parsers", async () => {
  const registered = await mock();
  const schedule = new SyncSchedule("parsed", {
    ...BASE,
    shards: 4,
    sync: {
      ...BASE.sync,
      proc: 256,
      os: ["linux", "windows:10.0.17763.1999"],
      arch: ["amd64", "arm:v7"],
      referrers: false,
      repair: true,
      force: true,
      maxRequestsPerSecond: 20,
    },
  });
  await settled(schedule);
  const { container } = podOf(ofType(registered, "kubernetes:batch/v1:CronJob")[0]);
  const directory = makeTempDir("sync-schedule-files");
  try {
    // The files as the pod sees them, in a folder standing in for the mounts.
    const images = join(directory, "images.json");
    const auth = join(directory, "auth.json");
    writeFileSync(images, ofType(registered, "kubernetes:core/v1:ConfigMap")[0].inputs.data["images.json"]);
    writeFileSync(auth, plain(ofType(registered, "kubernetes:core/v1:Secret")[0].inputs.stringData)["auth.json"]);
    const local = (args: string[]) =>
      args.map(
        (arg) =>
          ({
            "/etc/registry-dr/images/images.json": images,
            "/etc/registry-dr/auth/auth.json": auth,
            "/tmp/failed-images.json": join(directory, "failed.json"),
          })[arg] ?? arg,
      );

    const repositories = Array.from({ length: 40 }, (_, index) => `apps/service-${index}`);
    const owners = new Map<string, number[]>();
    for (let index = 0; index < 4; index++) {
      const [command, ...argv] = local(expanded(container.args, index));
      assert.equal(command, "sync");
      const parsed = parseCommandArguments("sync", argv);
      assert.deepEqual(parsed.shard, { index, count: 4 }, `pod ${index} runs shard ${index}/4`);
      assert.deepEqual(
        [parsed.proc, parsed.retries, parsed.registry, parsed.namespace, parsed.timeoutMs, parsed.maxRequestsPerSecond],
        [256, 3, "myacr-registry.cn-hangzhou.cr.aliyuncs.com", "dr", 3_600_000, 20],
      );
      assert.deepEqual(
        [parsed.platforms, parsed.referrers, parsed.repair, parsed.force],
        [{ os: ["linux", "windows:10.0.17763.1999"], arch: ["amd64", "arm:v7"] }, false, true, true],
      );
      const job = loadSyncJob(parsed);
      assert.deepEqual(job.images, IMAGES);
      assert.deepEqual(job.auth, AUTH);
      for (const repository of repositories)
        if (inShard(parsed.shard, "harbor.example.com", repository)) owners.set(repository, [...(owners.get(repository) ?? []), index]);
    }
    assert.deepEqual([...owners.keys()].sort(), [...repositories].sort(), "every repository is in some shard");
    assert.ok(
      [...owners.values()].every((shards) => shards.length === 1),
      "and in one only",
    );
    assert.equal(new Set([...owners.values()].flat()).size, 4, "every pod has work with 40 repositories");
  } finally {
    await removeTempDir(directory);
  }
});

test("SyncSchedule: an existing Secret as the auth file, another as environment variables for ${NAME} passwords; no auth at all", async () => {
  let registered = await mock();
  const given = new SyncSchedule("given", {
    ...BASE,
    shards: undefined,
    config: { images: IMAGES },
    authSecret: { name: "dr-registry-logins", key: "auth.yaml" },
    environmentSecret: "dr-passwords",
  });
  await settled(given);
  assert.equal(given.authSecret, undefined);
  assert.deepEqual(ofType(registered, "kubernetes:core/v1:Secret"), [], "no Secret is created for a given one");
  let { job, pod, container } = podOf(ofType(registered, "kubernetes:batch/v1:CronJob")[0]);
  assert.deepEqual([job.completions, job.parallelism], [1, 1]);
  assert.ok(container.args.includes("--auth") && container.args.includes("$(JOB_COMPLETION_INDEX)/1"));
  assert.deepEqual(pod.volumes.find((volume: { name: string }) => volume.name === "auth").secret, {
    secretName: "dr-registry-logins",
    items: [{ key: "auth.yaml", path: "auth.json" }],
  });
  assert.deepEqual(container.envFrom, [{ secretRef: { name: "dr-passwords" } }]);
  assert.equal(await valueOf(given.authSecretName), "dr-registry-logins");

  // ${NAME} values are resolved by the command in the pod, from the environment Secret.
  registered = await mock();
  const referenced = { "harbor.example.com": { username: "robot$dr-sync", password: "${HARBOR_PASSWORD}" } };
  const withEnvironment = new SyncSchedule("env", { ...BASE, config: { images: IMAGES, auth: referenced }, environmentSecret: "dr-passwords" });
  await settled(withEnvironment);
  const authText = plain(ofType(registered, "kubernetes:core/v1:Secret")[0].inputs.stringData)["auth.json"];
  assert.deepEqual(
    withEnvironmentValues(JSON.parse(authText), { HARBOR_PASSWORD: "from-the-secret" }, "auth.json"),
    { "harbor.example.com": { username: "robot$dr-sync", password: "from-the-secret" } },
    "the command reads the reference the component let through",
  );

  registered = await mock();
  const anonymous = new SyncSchedule("anonymous", { ...BASE, config: { images: { "docker.io/library/nginx:1.27": "mirror.example.com/library/nginx" } } });
  await settled(anonymous);
  ({ pod, container } = podOf(ofType(registered, "kubernetes:batch/v1:CronJob")[0]));
  assert.ok(!container.args.includes("--auth"));
  assert.deepEqual(
    pod.volumes.map((volume: { name: string }) => volume.name),
    ["images", "tmp"],
  );
  assert.equal(await valueOf(anonymous.authSecretName), undefined);
});

test("SyncSchedule: the Job's limits and history, time zone, suspend, resources and pull settings reach the CronJob", async () => {
  const registered = await mock();
  const resources = { requests: { cpu: "500m", memory: "512Mi" }, limits: { memory: "2Gi" } };
  const schedule = new SyncSchedule("tuned", {
    ...BASE,
    schedule: "0 2 * * mon-fri",
    timeZone: "Asia/Shanghai",
    concurrencyPolicy: "Replace",
    suspend: true,
    startingDeadlineSeconds: 600,
    backoffLimit: 1,
    activeDeadlineSeconds: 7200,
    successfulJobsHistoryLimit: 2,
    failedJobsHistoryLimit: 5,
    resources,
    imagePullPolicy: "IfNotPresent",
    imagePullSecrets: ["registry-pull"],
    serviceAccountName: "registry-dr",
  });
  await settled(schedule);
  const [cronJob] = ofType(registered, "kubernetes:batch/v1:CronJob");
  const spec = cronJob.inputs.spec;
  assert.deepEqual(
    [
      spec.schedule,
      spec.timeZone,
      spec.concurrencyPolicy,
      spec.suspend,
      spec.startingDeadlineSeconds,
      spec.successfulJobsHistoryLimit,
      spec.failedJobsHistoryLimit,
    ],
    ["0 2 * * mon-fri", "Asia/Shanghai", "Replace", true, 600, 2, 5],
  );
  const { job, pod, container } = podOf(cronJob);
  assert.deepEqual([job.backoffLimit, job.activeDeadlineSeconds], [1, 7200]);
  assert.deepEqual(
    [container.resources, container.imagePullPolicy, pod.imagePullSecrets, pod.serviceAccountName],
    [resources, "IfNotPresent", [{ name: "registry-pull" }], "registry-dr"],
  );
});

test("SyncSchedule: bad arguments fail with the field and what is expected, and register nothing", async () => {
  const registered = await mock();
  const cases: [Partial<SyncScheduleArgs> & { name?: string }, RegExp][] = [
    [{ schedule: "every day" }, /SyncSchedule bad: schedule: expected five fields .* got 2 field\(s\)/],
    [{ schedule: "61 * * * *" }, /schedule: minute "61": expected values from 0 to 59/],
    [{ schedule: "0 0 * 13 *" }, /schedule: month "13": expected values from 1 to 12 or jan-dec/],
    [{ schedule: "0 0 * * 7" }, /day of week "7": expected values from 0 to 6 or sun-sat/],
    [{ schedule: "*/0 * * * *" }, /minute "\*\/0": expected a step of at least 1/],
    [{ schedule: "0 5-2 * * *" }, /hour "5-2": expected a range whose start is not after its end/],
    [{ schedule: "@fortnightly" }, /unknown macro "@fortnightly"/],
    [{ schedule: "CRON_TZ=UTC 0 * * * *" }, /expected the time zone in timeZone/],
    [{ schedule: undefined }, /schedule: expected a cron schedule/],
    [{ timeZone: "Mars/Olympus" }, /timeZone: expected an IANA time zone/],
    [{ shards: 0 }, /shards: expected at least 1 shard; got 0/],
    [{ shards: 101 }, /shards: expected at most 100 shards/],
    [{ shards: 2.5 }, /shards: expected a whole number of shards from 1 to 100/],
    [{ image: "Registry.Example.com/Tools/registry-dr:0.1.0" }, /image: expected a container image reference .*repository "Tools\/registry-dr" is not valid/],
    [{ image: "registry.example.com/tools/registry-dr:bad tag" }, /image: expected a container image reference/],
    [{ image: "" }, /image: expected a container image reference/],
    [{ image: undefined }, /image: expected the container image reference/],
    [{ name: "Harbor_DR" }, /SyncSchedule Harbor_DR: name: expected lowercase letters, digits and hyphens, at most 38 characters/],
    [{ name: "a".repeat(39) }, /name: expected lowercase letters, digits and hyphens, at most 38/],
    [{ namespace: "Registry DR" }, /namespace: expected a Kubernetes namespace name/],
    [{ concurrencyPolicy: "Never" as "Forbid" }, /concurrencyPolicy: expected Forbid, Replace or Allow/],
    [{ backoffLimit: -1 }, /backoffLimit: expected a whole number of at least 0/],
    [{ activeDeadlineSeconds: 0 }, /activeDeadlineSeconds: expected a whole number of seconds of at least 1/],
    [{ sync: { proc: 257 } }, /sync\.proc: expected a whole number from 1 to 256/],
    [{ sync: { retries: 101 } }, /sync\.retries: expected a whole number from 0 to 100/],
    [{ sync: { parallel: 3 } as never }, /sync\.parallel: unknown flag: expected one of proc, retries/],
    [{ sync: { arch: ["amd64,arm64"] } }, /sync\.arch: invalid arch selector "amd64,arm64": expected amd64, or arch:variant such as arm:v7/],
    [{ sync: { os: ["windows:"] } }, /sync\.os: invalid os selector "windows:": expected linux, or os:osversion/],
    [
      { config: { images: { "harbor.example.com/library/nginx:1.0@sha256:zz": "x.example.com/nginx" } } },
      /SyncSchedule bad: config: images\["harbor\.example\.com\/library\/nginx:1\.0@sha256:zz"\]/,
    ],
    [{ config: { images: { "harbor.example.com/apps/*": "" } }, sync: {} }, /config: images\["harbor\.example\.com\/apps\/\*"\]: .*registry/i],
    [{ config: undefined as never }, /config: expected \{images, auth\?\}/],
    [{ config: { auth: AUTH } as never }, /config\.images: expected the images to copy/],
    [{ config: { images: IMAGES, auth: AUTH }, authSecret: { name: "logins" } }, /authSecret: expected either config\.auth or authSecret, not both/],
    [{ config: { images: IMAGES }, authSecret: { name: "Logins!" } }, /authSecret\.name: expected the name of an existing Secret/],
    [
      { config: { images: IMAGES, auth: { "europe-west4-docker.pkg.dev": { google: { serviceAccountKeyFile: "/home/me/key.json" } } } } },
      /config: auth\["europe-west4-docker\.pkg\.dev"\]\.google\.serviceAccountKeyFile: is a path the pods do not have: give serviceAccountKey/,
    ],
    [
      { config: { images: IMAGES, auth: { "harbor.example.com": { username: "robot", password: "${HARBOR_PASSWORD}" } } } },
      /config: auth\["harbor\.example\.com"\]\.password: is read from the environment variable HARBOR_PASSWORD: give environmentSecret/,
    ],
  ];
  for (const [override, message] of cases) {
    const { name, ...args } = override;
    assert.throws(() => new SyncSchedule(name ?? "bad", { ...BASE, ...args } as SyncScheduleArgs), message, JSON.stringify(override));
  }
  // Several mistakes: the first named is the pod's, then the job's, before the config's.
  assert.throws(
    () => new SyncSchedule("bad", { ...BASE, image: "Not An Image", concurrencyPolicy: "Sometimes" as never, sync: { proc: 0 } }),
    /SyncSchedule bad: image: /,
  );
  assert.throws(
    () => new SyncSchedule("bad", { ...BASE, concurrencyPolicy: "Sometimes" as never, sync: { proc: 0 } }),
    /SyncSchedule bad: concurrencyPolicy: /,
  );
  // A credential the command would refuse is named, its value never shown.
  assert.throws(
    () => new SyncSchedule("bad", { ...BASE, config: { images: IMAGES, auth: { "harbor.example.com": { password: HARBOR_PASSWORD } } } }),
    (error: Error) =>
      /config: auth\["harbor\.example\.com"\]: username and password go together/.test(error.message) && !error.message.includes(HARBOR_PASSWORD),
  );
  assert.deepEqual(registered, [], "nothing is registered for rejected arguments");
});

test("SyncSchedule: arguments not known yet (Outputs) are checked when they resolve, with the same rules", async () => {
  const registered = await mock();
  const endpoint = pulumi.output("myacr-registry.cn-hangzhou.cr.aliyuncs.com");
  const schedule = new SyncSchedule("eventual", {
    ...BASE,
    image: pulumi.output("registry.example.com/tools/registry-dr:0.1.0"),
    config: { images: { "harbor.example.com/library/nginx": pulumi.interpolate`${endpoint}/library/nginx` }, auth: pulumi.secret(AUTH) },
    sync: { registry: endpoint },
  });
  await settled(schedule);
  const [configMap] = ofType(registered, "kubernetes:core/v1:ConfigMap");
  assert.deepEqual(JSON.parse(configMap.inputs.data["images.json"]), {
    "harbor.example.com/library/nginx": "myacr-registry.cn-hangzhou.cr.aliyuncs.com/library/nginx",
  });
  assert.ok(!isRegisteredSecret(configMap.inputs.data), "the images stay readable in the ConfigMap");
  assert.ok(podOf(ofType(registered, "kubernetes:batch/v1:CronJob")[0]).container.args.includes("myacr-registry.cn-hangzhou.cr.aliyuncs.com"));

  // What runs inside the Outputs: the same checks, errors without values.
  assert.throws(
    () => imagesFileText({ "harbor.example.com/apps/*": "" }, {}, "SyncSchedule late: config"),
    /SyncSchedule late: config: images\["harbor\.example\.com\/apps\/\*"\]/,
  );
  assert.throws(
    () => authFileText({ "harbor.example.com": { username: "robot", password: HARBOR_PASSWORD, token: "t" } }, false, "SyncSchedule late: config"),
    (error: Error) =>
      /config: auth\["harbor\.example\.com"\]: give one of username\/password, identityToken, token/.test(error.message) &&
      !error.message.includes(HARBOR_PASSWORD),
  );
});

test("cron schedules Kubernetes accepts pass: lists, ranges, steps, names, macros", () => {
  for (const schedule of [
    "* * * * *",
    "0 */6 * * *",
    "15,45 9-17 * * 1-5",
    "0 2 1 jan,jul *",
    "0 0 ? * SUN",
    "5/15 * * * *",
    "0 3 * * mon-fri",
    " 0 4 * * * ",
    "@hourly",
    "@daily",
    "@Weekly",
    "@every 1h30m",
  ]) {
    assert.equal(cronScheduleProblem(schedule), undefined, schedule);
  }
});

test("the scheduled-sync example: an ACR target's RAM key and the Harbor robot in the Secret, shards from the stack config", async () => {
  const project = "scheduled-sync";
  pulumi.runtime.setAllConfig(
    {
      [`${project}:image`]: "registry.example.com/tools/registry-dr:0.1.0",
      [`${project}:schedule`]: "0 * * * *",
      [`${project}:shards`]: "4",
      [`${project}:harborHost`]: "harbor.example.com",
      [`${project}:harborUsername`]: "robot$dr-sync",
      [`${project}:harborPassword`]: HARBOR_PASSWORD,
      [`${project}:acrRegistry`]: "myacr-registry-vpc.cn-hangzhou.cr.aliyuncs.com",
      [`${project}:images`]: JSON.stringify({ "harbor.example.com/library/nginx": "myacr-registry-vpc.cn-hangzhou.cr.aliyuncs.com/library/nginx" }),
      [`${project}:acrAuth`]: JSON.stringify({
        instanceId: "cri-kmsiwlxxdcvaduwb",
        region: "cn-hangzhou",
        accessKeyId: "LTAI5tExample",
        accessKeySecret: ACR_SECRET,
      }),
    },
    [`${project}:harborPassword`, `${project}:acrAuth`],
  );
  const registered = await mock(project);
  const program = await import("../../examples/scheduled-sync");
  assert.equal(await valueOf(program.cronJobName as pulumi.Output<string>), "registry-dr-sync-1a2b3c4d");
  const { job, container } = podOf(ofType(registered, "kubernetes:batch/v1:CronJob")[0]);
  assert.deepEqual([job.completions, job.parallelism], [4, 4]);
  assert.ok(container.args.includes("$(JOB_COMPLETION_INDEX)/4"));
  const [secret] = ofType(registered, "kubernetes:core/v1:Secret");
  assert.ok(isRegisteredSecret(secret.inputs.stringData));
  assert.deepEqual(Object.keys(JSON.parse(plain(secret.inputs.stringData)["auth.json"])).sort(), [
    "harbor.example.com",
    "myacr-registry-vpc.cn-hangzhou.cr.aliyuncs.com",
  ]);
  for (const resource of registered.filter((resource) => resource !== secret))
    assert.ok(!JSON.stringify(resource.inputs).includes(ACR_SECRET) && !JSON.stringify(resource.inputs).includes(HARBOR_PASSWORD));
});
