import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compileJob } from "../../provider/sync";
import {
  CopyQueue,
  EventFormatError,
  RecoveryPoint,
  copiesOfDeleted,
  distributionEvents,
  harborEvents,
  imagesForEvent,
  isRegistryHost,
} from "../../provider/watch";
import { secretCheck } from "../../cli/watch/shared-secret";

const NOW = Date.parse("2026-12-05T12:00:00Z");
const MANIFEST = "application/vnd.oci.image.manifest.v1+json";

function envelope(...events: object[]) {
  return { events };
}

describe("distribution's notifications", () => {
  it("reads manifest pushes by tag and deletions; blob pushes and pulls name no image", () => {
    const read = distributionEvents(
      envelope(
        {
          action: "push",
          timestamp: "2026-12-05T11:59:58Z",
          target: { mediaType: "application/octet-stream", digest: `sha256:${"a".repeat(64)}`, repository: "library/app" },
        },
        {
          action: "push",
          timestamp: "2026-12-05T11:59:59Z",
          target: { mediaType: MANIFEST, digest: `sha256:${"b".repeat(64)}`, repository: "library/app", tag: "1.0" },
          request: { host: "harbor.example.com" },
        },
        { action: "pull", target: { mediaType: MANIFEST, repository: "library/app", tag: "1.0" }, request: { host: "harbor.example.com" } },
        {
          action: "delete",
          timestamp: "2026-12-05T11:59:59Z",
          target: { digest: `sha256:${"c".repeat(64)}`, repository: "library/app" },
          request: { host: "harbor.example.com" },
        },
        { action: "mount", target: { repository: "library/app" } },
      ),
      undefined,
      NOW,
    );
    assert.deepEqual(read.ignored, []);
    assert.deepEqual(read.events, [
      { action: "push", registry: "harbor.example.com", repository: "library/app", tag: "1.0", digest: `sha256:${"b".repeat(64)}`, occurredAt: NOW - 1000 },
      {
        action: "delete",
        registry: "harbor.example.com",
        repository: "library/app",
        tag: undefined,
        digest: `sha256:${"c".repeat(64)}`,
        occurredAt: NOW - 1000,
      },
    ]);
  });

  it("the endpoint's ?registry= names the registry over the request's host; a time in the future is taken as now", () => {
    const read = distributionEvents(
      envelope({
        action: "push",
        timestamp: "2030-01-01T00:00:00Z",
        target: { mediaType: MANIFEST, repository: "a/b", tag: "v1" },
        request: { host: "10.0.0.5:5000" },
      }),
      "registry.example.com",
      NOW,
    );
    assert.equal(read.events[0].registry, "registry.example.com");
    assert.equal(read.events[0].occurredAt, NOW);
  });

  it("names that break their grammar are left out with a reason that quotes only a short, printable prefix", () => {
    const read = distributionEvents(
      envelope(
        { action: "push", target: { mediaType: MANIFEST, repository: "../../etc", tag: "1.0" }, request: { host: "harbor.example.com" } },
        {
          action: "push",
          target: { mediaType: MANIFEST, repository: "library/app", tag: `x${"\u0007".repeat(200)}` },
          request: { host: "harbor.example.com" },
        },
        { action: "push", target: { mediaType: MANIFEST, repository: "library/app", tag: "1.0" }, request: { host: "evil.example.com/../x" } },
        { action: "delete", target: { repository: "library/app", digest: "sha256:short" }, request: { host: "harbor.example.com" } },
      ),
      undefined,
      NOW,
    );
    assert.deepEqual(read.events, []);
    assert.equal(read.ignored.length, 4);
    assert.match(read.ignored[0], /invalid repository "\.\.\/\.\.\/etc"/);
    assert.match(read.ignored[1], /invalid tag "x\?{63}\.\.\."/);
    assert.match(read.ignored[2], /names no registry host .*\?registry=HOST/);
    assert.match(read.ignored[3], /invalid digest "sha256:short"/);
  });

  it("a body that is not an envelope is an EventFormatError saying what is expected", () => {
    assert.throws(
      () => distributionEvents({ hello: 1 }, undefined, NOW),
      (error: Error) => error instanceof EventFormatError && /distribution notification envelope/.test(error.message),
    );
    assert.throws(
      () => distributionEvents(envelope(...Array.from({ length: 1001 }, () => ({ action: "pull", target: { repository: "a" } }))), undefined, NOW),
      EventFormatError,
    );
  });
});

describe("Harbor's webhooks", () => {
  const repository = { name: "app", namespace: "library", repo_full_name: "library/app", repo_type: "private" };
  const resource = { digest: `sha256:${"d".repeat(64)}`, tag: "2.0", resource_url: "harbor.example.com/library/app:2.0" };

  it("reads PUSH_ARTIFACT (its occur_at in seconds) and the CloudEvents form; other event types copy nothing", () => {
    const pushed = harborEvents(
      { type: "PUSH_ARTIFACT", occur_at: NOW / 1000 - 5, operator: "admin", event_data: { resources: [resource], repository } },
      undefined,
      NOW,
    );
    assert.deepEqual(pushed.events, [
      { action: "push", registry: "harbor.example.com", repository: "library/app", tag: "2.0", digest: resource.digest, occurredAt: NOW - 5000 },
    ]);
    const cloud = harborEvents(
      { specversion: "1.0", type: "harbor.artifact.deleted", time: "2026-12-05T11:59:00Z", data: { resources: [resource], repository } },
      undefined,
      NOW,
    );
    assert.equal(cloud.events[0].action, "delete");
    assert.equal(cloud.events[0].occurredAt, NOW - 60_000);
    assert.deepEqual(harborEvents({ type: "SCANNING_COMPLETED", occur_at: 1, event_data: { resources: [resource], repository } }, undefined, NOW).events, []);
    assert.deepEqual(harborEvents({ type: "toString", occur_at: 1, event_data: { resources: [resource], repository } }, undefined, NOW).events, []);
  });

  it("a payload of neither form is refused", () => {
    assert.throws(() => harborEvents({ type: "PUSH_ARTIFACT" }, undefined, NOW), /Harbor webhook payload/);
  });
});

describe("which images an event is", () => {
  const { rules } = compileJob({
    images: {
      "harbor.example.com/library/app": "standby.example.com/library/app",
      "harbor.example.com/library/web:v*": "standby.example.com/library/web",
      "harbor.example.com/team/**": "standby.example.com/team",
      "harbor.example.com/pinned/db:1.0": "standby.example.com/pinned/db:stable",
      [`harbor.example.com/digest/only@sha256:${"e".repeat(64)}`]: "standby.example.com/digest/only",
    },
  });
  const push = (repository: string, tag: string, registry = "harbor.example.com") => ({ action: "push" as const, registry, repository, tag, occurredAt: NOW });

  it("each rule selecting the registry, repository and tag, narrowed to that one image", () => {
    assert.deepEqual(
      imagesForEvent(rules, push("library/app", "1.0")).map((image) => [image.source, image.destinations.map((d) => `${d.registry}/${d.repository}:${d.tag}`)]),
      [["harbor.example.com/library/app:1.0", ["standby.example.com/library/app:1.0"]]],
    );
    assert.equal(imagesForEvent(rules, push("library/web", "v2"))[0].destinations[0].tag, "v2");
    assert.deepEqual(imagesForEvent(rules, push("library/web", "latest")), []);
    assert.equal(imagesForEvent(rules, push("team/api/server", "3"))[0].destinations[0].repository, "team/api/server");
    assert.equal(imagesForEvent(rules, push("pinned/db", "1.0"))[0].destinations[0].tag, "stable");
    assert.deepEqual(imagesForEvent(rules, push("pinned/db", "1.1")), []);
    assert.deepEqual(imagesForEvent(rules, push("digest/only", "1.0")), []);
  });

  it("another registry, or an unselected repository, is no image of the job; one registry spelled two ways is one", () => {
    assert.deepEqual(imagesForEvent(rules, push("library/app", "1.0", "other.example.com")), []);
    assert.deepEqual(imagesForEvent(rules, push("other/thing", "1.0")), []);
    assert.equal(imagesForEvent(rules, push("library/app", "1.0", "HARBOR.example.com:443")).length, 1);
  });

  it("a deletion reaches the copies of its digest in every destination repository of the source repository", () => {
    const digest = `sha256:${"f".repeat(64)}`;
    assert.deepEqual(copiesOfDeleted(rules, { action: "delete", registry: "harbor.example.com", repository: "team/x", digest, occurredAt: NOW }), [
      { registry: "standby.example.com", repository: "team/x", digest },
    ]);
    assert.deepEqual(copiesOfDeleted(rules, { action: "delete", registry: "harbor.example.com", repository: "team/x", occurredAt: NOW }), []);
  });
});

describe("the copy queue", () => {
  it("coalesces pushes of one image, keeps the earliest time, refuses past its capacity and re-runs an image pushed while it was copied", async () => {
    const worked: { key: string; since: number }[][] = [];
    let release!: () => void;
    const first = new Promise<void>((resolve) => (release = resolve));
    const queue = new CopyQueue<{ key: string; since: number }>({
      capacity: 2,
      workers: 1,
      batch: 10,
      merge: (earlier, later) => ({ ...later, since: Math.min(earlier.since, later.since) }),
      work: async (batch) => {
        worked.push(batch);
        if (worked.length === 1) await first;
      },
    });
    assert.equal(queue.offer("a", { key: "a", since: 5 }), "queued");
    // "a" is being worked on: the next push of it waits for that run, and runs after it.
    assert.equal(queue.offer("a", { key: "a", since: 7 }), "queued");
    assert.equal(queue.offer("b", { key: "b", since: 9 }), "queued");
    assert.equal(queue.offer("b", { key: "b", since: 3 }), "coalesced");
    assert.equal(queue.offer("c", { key: "c", since: 1 }), "full");
    assert.equal(queue.depth, 3);
    release();
    await queue.settled();
    assert.deepEqual(worked, [
      [{ key: "a", since: 5 }],
      [
        { key: "a", since: 7 },
        { key: "b", since: 3 },
      ],
    ]);
    await queue.drain();
    assert.equal(queue.offer("d", { key: "d", since: 1 }), "full", "a drained queue takes nothing more");
  });

  it("held, takes entries and starts none; released, works them oldest first in batches", async () => {
    const worked: number[][] = [];
    const queue = new CopyQueue<number>({
      capacity: 10_000,
      workers: 1,
      batch: 4,
      merge: (_, later) => later,
      work: async (batch) => {
        worked.push(batch);
      },
    });
    queue.hold();
    for (let entry = 0; entry < 10; entry++) assert.equal(queue.offer(`k${entry}`, entry), "queued");
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(worked, [], "nothing starts while held");
    assert.equal(queue.depth, 10);
    queue.release();
    await queue.settled();
    assert.deepEqual(worked, [
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
  });

  it("a failing batch does not stop the queue", async () => {
    let runs = 0;
    const queue = new CopyQueue<number>({
      capacity: 10,
      workers: 1,
      batch: 1,
      merge: (_, later) => later,
      work: async () => {
        if (runs++ === 0) throw new Error("boom");
      },
    });
    queue.offer("x", 1);
    queue.offer("y", 2);
    await queue.settled();
    assert.equal(runs, 2);
  });
});

describe("the recovery point", () => {
  it("is the age of the oldest missing image per site, and 0 for a site that holds everything", () => {
    const point = new RecoveryPoint(["standby.example.com", "Other.Example.com.:443"]);
    point.lacks("standby.example.com/library/app:1.0", NOW - 30_000);
    point.lacks("standby.example.com/library/app:1.0", NOW - 10_000);
    point.lacks("standby.example.com/library/app:2.0", NOW - 5_000);
    assert.deepEqual(point.report(NOW), [
      { site: "standby.example.com", seconds: 30, missing: 2 },
      { site: "other.example.com", seconds: 0, missing: 0 },
    ]);
    point.holds("standby.example.com/library/app:1.0");
    assert.deepEqual(point.report(NOW)[0], { site: "standby.example.com", seconds: 5, missing: 1 });
  });
});

describe("the shared secret", () => {
  it("takes exactly `Bearer SECRET`", () => {
    const check = secretCheck("0123456789abcdef");
    assert.equal(check("Bearer 0123456789abcdef"), true);
    assert.equal(check(" Bearer 0123456789abcdef "), true);
    for (const wrong of [undefined, "", "0123456789abcdef", "Bearer 0123456789abcdeF", "Bearer 0123456789abcdef0", "Basic MDEyMzQ1Njc4OWFiY2RlZg=="])
      assert.equal(check(wrong), false, String(wrong));
  });

  it("registry hosts: names, IPv4, bracketed IPv6, with a port; nothing with a path or a scheme", () => {
    for (const host of ["harbor.example.com", "localhost:5000", "10.0.0.1:443", "[::1]:5000"]) assert.equal(isRegistryHost(host), true, host);
    for (const host of ["", "a/b", "http://x", "x..y", "-x.com", "x.com:", "x.com:123456", "a b"]) assert.equal(isRegistryHost(host), false, host);
  });
});
