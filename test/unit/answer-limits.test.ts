import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { test } from "node:test";
import { InvalidAnswerError, MAX_MANIFEST_BYTES, answerTooLarge, readBodyStart, readBoundedBody } from "../../provider/clients/oci";

/** A body of `chunks` chunks of 64 KiB, made as they are read; counts how many were. */
function body(chunks: number): { stream: Readable; read: () => number } {
  let made = 0;
  const chunk = Buffer.alloc(64 * 1024, "x");
  const stream = new Readable({
    read() {
      if (made === chunks) return void this.push(null);
      made++;
      this.push(chunk);
    },
  });
  return { stream, read: () => made };
}

const tooLarge = (size: string) => answerTooLarge("registry.example", "the manifest app:1.0 on registry.example", size, MAX_MANIFEST_BYTES);

test("a Content-Length over the limit is refused before a byte is read", async () => {
  const { stream, read } = body(1600);
  await assert.rejects(readBoundedBody(stream, String(100 * 1024 * 1024), MAX_MANIFEST_BYTES, tooLarge), (error: Error) => {
    assert.ok(error instanceof InvalidAnswerError);
    assert.equal(error.message, "registry.example: the manifest app:1.0 on registry.example is 104857600 bytes, over the limit of 4 MiB (4194304 bytes)");
    return true;
  });
  assert.equal(read(), 0);
  assert.ok(stream.destroyed);
});

test("a body without a length is refused as soon as it passes the limit", async () => {
  const { stream, read } = body(1600);
  await assert.rejects(readBoundedBody(stream, undefined, MAX_MANIFEST_BYTES, tooLarge), /is more than 4194304 bytes, over the limit of 4 MiB/);
  assert.ok(read() <= 4 * 16 + 2, `${read()} chunks of 64 KiB were read`);
});

test("a body within the limit comes back whole, and an error body is cut to its start", async () => {
  assert.equal((await readBoundedBody(body(64).stream, undefined, MAX_MANIFEST_BYTES, tooLarge)).length, 4 * 1024 * 1024);
  const { stream, read } = body(1600);
  assert.equal((await readBodyStart(stream, 1000)).length, 1000);
  assert.ok(read() <= 2);
});
