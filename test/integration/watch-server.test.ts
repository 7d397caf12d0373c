import assert from "node:assert/strict";
import { once } from "node:events";
import { AddressInfo, Server, createServer } from "node:net";
import { after, test } from "node:test";
import { eventServer } from "../../cli/watch/event-server";
import { secretCheck } from "../../cli/watch/shared-secret";
import { SyncJob } from "../../provider/sync";
import { WatchService } from "../../provider/watch";
import { pushSmallImage } from "../support/fixtures";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { manifestDigest } from "../support/skopeo";
import { until } from "../support/watch-process";

/** The watcher's HTTP face and service in one process: a full queue, deletions followed or not. */

const SECRET = "server-secret-0123456789";
const running: { close(): Promise<void> | void }[] = [];
after(async () => {
  for (const part of running.reverse()) await part.close();
});

async function serve(job: SyncJob, options: { capacity?: number; followDeletions?: boolean; signal?: AbortSignal } = {}) {
  const lines: string[] = [];
  const service = new WatchService(job, {
    sync: { signal: options.signal, transport: { connectTimeoutMs: 60_000, headersTimeoutMs: 60_000 } },
    resyncIntervalMs: 3_600_000,
    capacity: options.capacity ?? 100,
    workers: 1,
    batch: 1,
    followDeletions: options.followDeletions ?? false,
    log: (line) => lines.push(line),
  });
  const server = eventServer({ service, authorized: secretCheck(SECRET), draining: () => false, log: (line) => lines.push(line) });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  running.push({ close: () => void server.close() });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const post = (path: string, body: object) =>
    fetch(`${url}${path}`, { method: "POST", headers: { authorization: `Bearer ${SECRET}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  return { service, url, post, lines };
}

function harborPayload(type: string, registry: string, repository: string, tag: string, digest: string) {
  const [namespace, ...name] = repository.split("/");
  return {
    type,
    occur_at: Math.floor(Date.now() / 1000),
    operator: "admin",
    event_data: {
      resources: [{ digest, tag, resource_url: `${registry}/${repository}:${tag}` }],
      repository: { date_created: 1700000000, name: name.join("/"), namespace, repo_full_name: repository, repo_type: "private" },
    },
  };
}

test("a full queue answers 503 with Retry-After, so the sender sends again later", async () => {
  // A registry that takes connections and never answers: the first copy holds the only worker.
  const silent: Server = createServer(() => {});
  silent.listen(0, "127.0.0.1");
  await once(silent, "listening");
  const host = `127.0.0.1:${(silent.address() as AddressInfo).port}`;
  const stop = new AbortController();
  running.push({ close: () => void silent.close() });
  const { service, post } = await serve(
    { images: { [`${host}/library/app`]: `${host}/copy/app` }, auth: { [host]: { insecure: true } } },
    { capacity: 1, signal: stop.signal },
  );
  const event = (tag: string) => ({
    events: [{ action: "push", target: { mediaType: "application/vnd.oci.image.manifest.v1+json", repository: "library/app", tag }, request: { host } }],
  });
  assert.equal((await post("/events/distribution", event("1"))).status, 202);
  assert.equal((await post("/events/distribution", event("2"))).status, 202);
  const full = await post("/events/distribution", event("3"));
  assert.equal(full.status, 503);
  assert.equal(full.headers.get("retry-after"), "10");
  assert.match(await full.text(), /queue is full: send again later/);
  assert.equal((await post("/events/distribution", event("2"))).status, 202, "a push of a waiting image still coalesces");
  assert.match(await service.metrics.registry.metrics(), /registry_dr_events_total\{sender="distribution",outcome="full"\} 1/);
  assert.match(await service.metrics.registry.metrics(), /registry_dr_queue_depth 2/);
  stop.abort(new Error("test over"));
  await service.stop();
});

test("a deletion at the source deletes the copy only with followDeletions", async () => {
  const [primary, standby]: RegistryServer[] = await Promise.all([startRegistry(), startRegistry()]);
  running.push({ close: () => Promise.all([primary.stop(), standby.stop()]).then(() => {}) });
  const job: SyncJob = {
    images: { [`${primary.host}/library/app`]: `${standby.host}/library/app` },
    auth: { [primary.host]: { insecure: true }, [standby.host]: { insecure: true } },
  };
  const image = await pushSmallImage(primary, "library/app:gone", undefined, "deleted-later");
  const kept = await serve(job);
  const followed = await serve(job, { followDeletions: true });
  assert.equal((await kept.post("/events/harbor", harborPayload("PUSH_ARTIFACT", primary.host, "library/app", "gone", image.digest))).status, 202);
  await kept.service.settled();
  assert.equal(await manifestDigest(`docker://${standby.host}/library/app:gone`), image.digest);

  const deletion = harborPayload("DELETE_ARTIFACT", primary.host, "library/app", "gone", image.digest);
  assert.equal(await (await kept.post("/events/harbor", deletion)).text(), "unselected\n", "copies are kept by default");
  await kept.service.settled();
  assert.equal(await manifestDigest(`docker://${standby.host}/library/app:gone`), image.digest);

  assert.equal((await followed.post("/events/harbor", deletion)).status, 202);
  await followed.service.settled();
  await until(
    async () =>
      !(await manifestDigest(`docker://${standby.host}/library/app:gone`).then(
        () => true,
        () => false,
      )),
    10_000,
    () => `the copy was not deleted; log:\n${followed.lines.join("\n")}`,
  );
  assert.match(followed.lines.join("\n"), new RegExp(`deleted ${standby.host}/library/app@${image.digest} \\(deleted at the source\\)`));
  await Promise.all([kept.service.stop(), followed.service.stop()]);
});

test("events that arrive during the start resync wait for it: an image is uploaded once, not by both", async () => {
  const [primary, standby]: RegistryServer[] = await Promise.all([startRegistry(), startRegistry()]);
  running.push({ close: () => Promise.all([primary.stop(), standby.stop()]).then(() => {}) });
  const job: SyncJob = {
    images: { [`${primary.host}/library/app`]: `${standby.host}/library/app` },
    auth: { [primary.host]: { insecure: true }, [standby.host]: { insecure: true } },
  };
  // Pushed while the watcher was down: the sender re-delivers its event as the watcher starts.
  const images = await Promise.all(["1", "2", "3"].map((tag) => pushSmallImage(primary, `library/app:${tag}`, undefined, `redelivered-${tag}`)));
  const { service, post } = await serve(job);
  const started = service.start();
  for (const tag of ["1", "2", "3"]) {
    const event = {
      events: [
        {
          action: "push",
          target: { mediaType: "application/vnd.oci.image.manifest.v1+json", repository: "library/app", tag },
          request: { host: primary.host },
        },
      ],
    };
    assert.equal((await post("/events/distribution", event)).status, 202);
  }
  await started;
  await service.settled();
  for (const image of images) assert.equal(await manifestDigest(`docker://${standby.host}/${image.ref}`), image.digest);
  const metrics = await service.metrics.registry.metrics();
  assert.match(metrics, new RegExp(`registry_dr_copies_total\\{site="${standby.host}",result="synced"\\} 3\\n`), metrics);
  assert.match(metrics, new RegExp(`registry_dr_copies_total\\{site="${standby.host}",result="skipped"\\} 3\\n`), metrics);
  await service.stop();
});
