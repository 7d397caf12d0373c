import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_RETRY_POLICY, nextLink, parseRetryAfter, retryDelayMs } from "../../provider/clients/oci";

test("Link pagination: relative and absolute next links, other rels ignored", () => {
  const base = new URL("http://r.example:5000/v2/a/tags/list?n=2");
  assert.equal(nextLink('</v2/a/tags/list?last=t2&n=2>; rel="next"', base)?.href, "http://r.example:5000/v2/a/tags/list?last=t2&n=2");
  assert.equal(
    nextLink('<https://cdn.example/x>; rel="prev", <https://r.example/v2/a/tags/list?last=b>; rel=next', base)?.href,
    "https://r.example/v2/a/tags/list?last=b",
  );
  assert.equal(nextLink(undefined, base), undefined);
  assert.equal(nextLink('</x>; rel="last"', base), undefined);
});

test("Retry-After in seconds or as an HTTP date", () => {
  assert.equal(parseRetryAfter("3"), 3000);
  const now = Date.parse("2026-01-01T00:00:00Z");
  assert.equal(parseRetryAfter("Thu, 01 Jan 2026 00:00:05 GMT", now), 5000);
  assert.equal(parseRetryAfter("soon"), undefined);
});

test("backoff grows, stays bounded, and a server's Retry-After wins up to the cap", () => {
  const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000 };
  for (let i = 0; i < 50; i++) {
    const first = retryDelayMs(policy, 0);
    assert.ok(first >= 50 && first <= 100, `attempt 0 delay ${first}`);
    assert.ok(retryDelayMs(policy, 10) <= 1000);
  }
  assert.equal(retryDelayMs(policy, 0, 700), 700);
  assert.equal(retryDelayMs(policy, 0, 60_000), 1000);
});
