import * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseCommandArguments } from "../../cli/arguments";
import { SyncWatcher, SyncWatcherArgs } from "../../components";
import { isRegisteredSecret, recordKubernetesRegistrations, valueOf } from "../support/pulumi-mocks";

/**
 * SyncWatcher under mocks: a Deployment running `registry-dr watch`, its Service, the images in a
 * ConfigMap, the shared secret and the credentials in one Secret. The rendered command line is
 * fed to the command's own parser; the secrets are looked for everywhere else.
 */

const COMPONENT = "registry-dr:kubernetes:SyncWatcher";
const SHARED_SECRET = "watch-shared-secret-never-shown";
const HARBOR_PASSWORD = "harbor-robot-password-never-shown";
const BASE: SyncWatcherArgs = {
  image: "registry.example.com/tools/registry-dr:0.1.0",
  namespace: "registry-dr",
  sharedSecret: SHARED_SECRET,
  config: {
    images: { "harbor.example.com/library/**": "standby.example.com/library" },
    auth: { "harbor.example.com": { username: "robot$dr-sync", password: HARBOR_PASSWORD } },
  },
  sync: { proc: 4, retries: 2 },
  resyncIntervalSeconds: 600,
  queue: 5000,
  followDeletions: true,
};

type Registered = pulumi.runtime.MockResourceArgs;

const mock = () => recordKubernetesRegistrations("sync-watcher-test");

async function settled(watcher: SyncWatcher): Promise<void> {
  await Promise.all([watcher.configMap, watcher.secret, watcher.deployment, watcher.service].map((child) => valueOf(child.urn)));
}

const ofType = (registered: Registered[], type: string) => registered.filter((resource) => resource.type === type);

test("SyncWatcher: a Deployment running registry-dr watch with probes, non-root and a read-only root, behind a Service", async () => {
  const registered = await mock();
  const watcher = new SyncWatcher("harbor-watch", BASE);
  await settled(watcher);
  assert.deepEqual(registered.map((resource) => [resource.type, resource.name]).sort(), [
    ["kubernetes:apps/v1:Deployment", "harbor-watch-watch"],
    ["kubernetes:core/v1:ConfigMap", "harbor-watch-images"],
    ["kubernetes:core/v1:Secret", "harbor-watch-watch"],
    ["kubernetes:core/v1:Service", "harbor-watch-watch"],
    [COMPONENT, "harbor-watch"],
  ]);
  for (const child of [watcher.configMap, watcher.secret, watcher.deployment, watcher.service])
    assert.ok((await valueOf(child.urn)).includes(`::${COMPONENT}$kubernetes:`), "a child of the component");

  const [deployment] = ofType(registered, "kubernetes:apps/v1:Deployment");
  const spec = deployment.inputs.spec;
  assert.equal(spec.replicas, 1);
  assert.deepEqual(spec.strategy.rollingUpdate, { maxSurge: 1, maxUnavailable: 0 }, "events always have a receiver during a rollout");
  const pod = spec.template.spec;
  const container = pod.containers[0];
  assert.equal(pod.automountServiceAccountToken, false);
  assert.deepEqual(pod.securityContext, { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
  assert.deepEqual(container.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
  assert.equal(container.livenessProbe.httpGet.path, "/healthz");
  assert.equal(container.readinessProbe.httpGet.path, "/readyz");
  assert.ok(pod.terminationGracePeriodSeconds > 60, "longer than the command's 60 s drain");
  assert.deepEqual(container.env, [
    { name: "REGISTRY_DR_WATCH_SECRET", valueFrom: { secretKeyRef: { name: "harbor-watch-watch-1a2b3c4d", key: "shared-secret" } } },
  ]);

  const parsed = parseCommandArguments("watch", container.args.slice(1));
  assert.equal(container.args[0], "watch");
  assert.deepEqual(
    [
      parsed.images,
      parsed.auth,
      parsed.watch.listen,
      parsed.watch.resyncInterval,
      parsed.watch.queue,
      parsed.watch.followDeletions,
      parsed.proc,
      parsed.retries,
    ],
    ["/etc/registry-dr/images/images.json", "/etc/registry-dr/auth/auth.json", "0.0.0.0:8480", "600s", "5000", true, 4, 2],
  );
  const [service] = ofType(registered, "kubernetes:core/v1:Service");
  assert.deepEqual(service.inputs.spec.ports, [{ name: "http", port: 8480, targetPort: "http", protocol: "TCP" }]);
  assert.deepEqual(service.inputs.spec.selector, spec.selector.matchLabels);
  assert.equal(await valueOf(watcher.harborEventsUrl), "http://harbor-watch-watch-1a2b3c4d.registry-dr.svc:8480/events/harbor");
  assert.equal(await valueOf(watcher.distributionEventsUrl), "http://harbor-watch-watch-1a2b3c4d.registry-dr.svc:8480/events/distribution");
});

test("SyncWatcher: the shared secret and the credentials are secret in the Secret and nowhere else", async () => {
  const registered = await mock();
  const watcher = new SyncWatcher("plain", BASE);
  await settled(watcher);
  const [secret] = ofType(registered, "kubernetes:core/v1:Secret");
  assert.ok(isRegisteredSecret(secret.inputs.stringData), "the shared secret and the auth file are a secret input");
  for (const resource of registered.filter((resource) => resource !== secret)) {
    const text = JSON.stringify(resource.inputs ?? {});
    for (const credential of [SHARED_SECRET, HARBOR_PASSWORD]) assert.ok(!text.includes(credential), `${resource.type} ${resource.name} holds no secret`);
  }
  const outputs = await valueOf(pulumi.all([watcher.serviceName, watcher.harborEventsUrl, watcher.deploymentName]));
  assert.ok(!JSON.stringify(outputs).includes(SHARED_SECRET));
});

test("SyncWatcher: bad arguments fail with the field and what is expected, never quoting the secret, and register nothing", async () => {
  const registered = await mock();
  const cases: [Partial<SyncWatcherArgs> & { name?: string }, RegExp][] = [
    [{ sharedSecret: "short-one" }, /SyncWatcher bad: sharedSecret: expected a secret of at least 16 characters; got "\(a secret of 9 characters\)"/],
    [{ sharedSecret: undefined }, /sharedSecret: expected the secret senders present/],
    [{ resyncIntervalSeconds: 5 }, /resyncIntervalSeconds: expected a whole number of seconds from 10 to 604800/],
    [{ queue: 0 }, /queue: expected a whole number of images from 1 to 1000000/],
    [{ port: 80 }, /port: expected a whole number of a port from 1024 to 65535/],
    [
      { sync: { timeoutSeconds: 60 } as never },
      /sync\.timeoutSeconds: unknown flag: expected one of proc, retries, os, arch, force, referrers, maxRequestsPerSecond, registry, namespace/,
    ],
    [{ sync: { proc: 0 } }, /sync\.proc: expected a whole number from 1 to 256/],
    [{ image: "" }, /image: expected a container image reference/],
    [{ name: "Watch_DR" }, /SyncWatcher Watch_DR: name: expected lowercase letters/],
    [{ config: { images: { "harbor.example.com/x:/[/": "y" } } }, /config/],
  ];
  for (const [change, expected] of cases) {
    const { name = "bad", ...rest } = change;
    assert.throws(
      () => new SyncWatcher(name, { ...BASE, ...rest }),
      (error: Error) => {
        assert.match(error.message, expected);
        assert.ok(!error.message.includes("short-one"), "the secret is never quoted");
        return true;
      },
    );
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(registered, []);
});
