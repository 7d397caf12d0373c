import assert from "node:assert/strict";
import { test } from "node:test";
import { parseCommandArguments, UsageError } from "../../cli/arguments";

/** `sync --reverse [--from REGISTRY]` and `verify --reverse`: what goes with them and what does not. */

test("--reverse, with --from naming the site that served, for sync and verify", () => {
  assert.deepEqual(parseCommandArguments("sync", ["--config", "c.json", "--reverse"]).reverse, { from: undefined });
  assert.deepEqual(parseCommandArguments("verify", ["--config", "c.json", "--reverse", "--from", "acr.example.com"]).reverse, { from: "acr.example.com" });
  assert.equal(parseCommandArguments("sync", ["--config", "c.json"]).reverse, undefined);
});

test("--from without --reverse, and --force or --repair with it, are refused by name", () => {
  const refused = (argv: string[], message: RegExp) =>
    assert.throws(
      () => parseCommandArguments("sync", argv),
      (error: Error) => error instanceof UsageError && message.test(error.message),
    );
  refused(["--from", "acr.example.com"], /--from REGISTRY belongs to --reverse/);
  refused(["--reverse", "--force"], /--force cannot go with --reverse: a reverse sync never overwrites a tag the source holds/);
  refused(["--reverse", "--repair"], /--repair cannot go with --reverse/);
});
