import assert from "node:assert/strict";
import { test } from "node:test";
import { parseCommandArguments, UsageError } from "../../cli/arguments";

/** image-syncer's flags added for parity: success-image output, platform selectors, and --server refused by name. */

test("--output-success-images and --output-images-format (json by default, yaml on request)", () => {
  assert.deepEqual(
    (({ successImages, imagesFormat }) => ({ successImages, imagesFormat }))(
      parseCommandArguments("sync", ["--images", "i.json", "--output-success-images", "ok.json"]),
    ),
    { successImages: "ok.json", imagesFormat: "json" },
  );
  assert.equal(parseCommandArguments("sync", ["--output-success-images=ok.yaml", "--output-images-format=YAML"]).imagesFormat, "yaml");
  assert.throws(
    () => parseCommandArguments("sync", ["--output-images-format", "xml"]),
    (error: Error) => error instanceof UsageError && /--output-images-format: expected json or yaml, got "xml"/.test(error.message),
  );
});

test("--os and --arch take image-syncer's selectors, repeated or comma-separated", () => {
  const args = parseCommandArguments("sync", ["--os", "linux,windows:10.0.17763.1999", "--arch", "arm:v7", "--arch", "arm64"]);
  assert.deepEqual(args.platforms, { os: ["linux", "windows:10.0.17763.1999"], arch: ["arm:v7", "arm64"] });
  assert.throws(() => parseCommandArguments("sync", ["--arch", ":v7"]), /--arch: invalid arch selector ":v7"/);
});

test("--server is refused naming what repeats the sync instead", () => {
  assert.throws(
    () => parseCommandArguments("sync", ["--server"]),
    (error: Error) =>
      error instanceof UsageError &&
      /--server \(image-syncer's HTTP server mode\) is not supported: run registry-dr sync from cron or a Kubernetes CronJob/.test(error.message),
  );
});

test("a flag of the other command is refused by name, not ignored", () => {
  for (const [argv, owner] of [
    [["--output-success-images", "ok.json"], "sync"],
    [["-r", "3"], "sync and watch"],
    [["--repair"], "sync"],
    [["--log", "sync.log"], "sync"],
  ] as const) {
    assert.throws(
      () => parseCommandArguments("verify", [...argv]),
      (error: Error) =>
        error instanceof UsageError &&
        new RegExp(`^--(output-success-images|retries|repair|log) belongs to registry-dr ${owner}, not verify`).test(error.message),
    );
  }
  assert.throws(() => parseCommandArguments("sync", ["--shallow"]), /--shallow belongs to registry-dr verify, not sync/);
  assert.equal(parseCommandArguments("verify", ["--shallow", "--json", "--proc", "8"]).shallow, true);
  assert.equal(parseCommandArguments("sync", ["--repair", "-r", "3"]).retries, 3);
});
