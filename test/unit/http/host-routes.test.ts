import assert from "node:assert/strict";
import { test } from "node:test";
import { connectionKey, describeNameMismatch, mergeRoutes, routeFor } from "../../../provider/clients/http";

test("a route is found by host[:port] as written, and https on 443 also as host:443", () => {
  const routes = mergeRoutes({ "Registry.Example.com:443": { address: "10.0.0.3" } }, { "harbor.example.com:32080": { trust: { ca: ["A"] } } });
  assert.deepEqual(routeFor(routes, new URL("https://registry.example.com/v2/")), { address: "10.0.0.3" });
  assert.deepEqual(routeFor(routes, new URL("https://harbor.example.com:32080/v2/")), { trust: { ca: ["A"] } });
  assert.equal(routeFor(routes, new URL("https://harbor.example.com/v2/")), undefined);
  assert.equal(routeFor(routes, new URL("http://registry.example.com/v2/")), undefined, "plain http on 80 is another origin");
});

test("merged routes add CAs up; a later client certificate and address win", () => {
  const merged = mergeRoutes(
    { "h:1": { trust: { ca: ["A"], cert: "C1", key: "K1" }, address: "10.0.0.1" } },
    { "h:1": { trust: { ca: ["B"], cert: "C2", key: "K2" } } },
  );
  assert.deepEqual(merged["h:1"], { trust: { ca: ["A", "B"], cert: "C2", key: "K2" }, address: "10.0.0.1" });
});

test("agents are keyed by what they connect with, never holding the key material in the key", () => {
  const route = { trust: { ca: ["A"], cert: "CERT", key: "PRIVATE-KEY-TEXT" } };
  assert.equal(connectionKey(false, undefined), "verified");
  assert.equal(connectionKey(true, undefined), "insecure");
  assert.notEqual(connectionKey(false, route), connectionKey(false, { ...route, address: "10.0.0.9" }));
  assert.notEqual(connectionKey(false, route), connectionKey(true, route));
  assert.ok(!connectionKey(false, route).includes("PRIVATE-KEY-TEXT"));
});

test("a name mismatch says which names the certificate covers", () => {
  const error = new Error("fetch failed", {
    cause: Object.assign(new Error("Hostname/IP does not match"), {
      code: "ERR_TLS_CERT_ALTNAME_INVALID",
      host: "registry.dr.example.com",
      cert: { subjectaltname: "DNS:standby.dr.example.com, IP Address:10.2.0.20" },
    }),
  });
  assert.equal(describeNameMismatch(error), "TLS certificate not valid for registry.dr.example.com (it covers DNS:standby.dr.example.com, IP:10.2.0.20)");
});
