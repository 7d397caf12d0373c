import assert from "node:assert/strict";
import { test } from "node:test";
import { zoneDnsNameProblem } from "../../provider/clients/zone-dns-name";

test("a zone's DNS name from an API: good names pass, with or without the final dot", () => {
  for (const name of ["dr.example.com", "DR.Example.com.", "_acme.dr.example.com", "a", `${"a".repeat(63)}.example.com`])
    assert.equal(zoneDnsNameProblem(name), undefined, name);
});

test("a bad one is described without being echoed", () => {
  assert.equal(zoneDnsNameProblem(undefined), "is missing");
  assert.equal(zoneDnsNameProblem("."), "is empty");
  assert.equal(zoneDnsNameProblem({ name: "dr.example.com" }), "is an object, not text");
  assert.equal(zoneDnsNameProblem("dr..example.com"), "has an empty label (a leading dot or two dots in a row)");
  assert.equal(zoneDnsNameProblem(`${"a".repeat(64)}.example.com`), "has a label of 64 characters (at most 63)");
  assert.equal(zoneDnsNameProblem("-dr.example.com"), "has a label that starts or ends with a hyphen");
  assert.equal(zoneDnsNameProblem("dr.example.com\u0000evil"), "holds a character that cannot be in a DNS name (U+0000)");
  assert.equal(zoneDnsNameProblem("dr.exämple.com"), "holds a character that cannot be in a DNS name (U+00E4)");
  assert.equal(zoneDnsNameProblem("dr.example.com\tx"), "holds white space (U+0009)");
});
