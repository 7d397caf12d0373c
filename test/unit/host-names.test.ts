import assert from "node:assert/strict";
import { test } from "node:test";
import { canonicalHost, isLoopback } from "../../provider/clients/oci";

test("a registry's canonical host folds case, a trailing dot, :443 and the loopback names; nothing else", () => {
  const cases: [string, string][] = [
    ["127.0.0.1:5002", "localhost:5002"],
    ["LOCALHOST:5002", "localhost:5002"],
    ["[::1]:5002", "localhost:5002"],
    ["[0:0:0:0:0:0:0:1]:5002", "localhost:5002"],
    ["Registry.Example.com:443", "registry.example.com"],
    ["registry.example.com.", "registry.example.com"],
    ["registry.example.com:5000", "registry.example.com:5000"],
    ["registry.example.com:80", "registry.example.com:80"],
    ["127.0.0.2:5002", "127.0.0.2:5002"],
  ];
  for (const [host, canonical] of cases) assert.equal(canonicalHost(host), canonical, host);
});

test("loopback is any 127.x address, localhost in any case, and ::1; a name merely starting so is not", () => {
  for (const host of ["localhost:5002", "LOCALHOST:5002", "LocalHost", "127.0.0.2:80", "[::1]:5000"]) assert.equal(isLoopback(host), true, host);
  for (const host of ["localhost.example.com", "127.0.0.1.example.com:5000", "registry.example.com", "10.0.0.1:5000"])
    assert.equal(isLoopback(host), false, host);
});
