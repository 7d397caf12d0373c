import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { DnsError, DnsPrerequisiteError, Rfc2136Client, Rfc2136Options } from "../../provider/clients/dns";
import { DnsServerKind, DnsTestServer, startDnsServer } from "../support/dns-servers";

/**
 * The RFC 2136 client against real DNS servers, BIND 9 and Knot, with `dig` as the oracle and
 * `nsupdate` as the operator who changes a record behind the client's back.
 */

for (const kind of ["bind", "knot"] as DnsServerKind[]) {
  describe(`RFC 2136 updates on ${kind}`, () => {
    let dns: DnsTestServer;
    const name = (label: string) => `${label}.${dns.zone}`;
    const client = (options: Partial<Rfc2136Options> = {}) => new Rfc2136Client({ server: dns.address, key: dns.key, timeoutMs: 2000, ...options });

    before(async () => {
      dns = await startDnsServer(kind, { records: ["registry 60 IN A 10.1.0.10", "mirror 60 IN CNAME harbor.example.com."] });
    });
    after(async () => {
      await dns?.stop();
    });

    test("a query goes to the server itself and reads what dig reads", async () => {
      assert.deepEqual(await client().query(name("registry"), "A"), { values: ["10.1.0.10"], ttl: 60 });
      assert.deepEqual((await client({ transport: "tcp" }).query(name("mirror"), "CNAME")).values, ["harbor.example.com"]);
      assert.deepEqual(await client().query(name("nothing-here"), "A"), { values: [], ttl: undefined });
    });

    test("a flip is a compare-and-swap: applied when the record holds what we say, refused when someone changed it", async () => {
      await client().update({ zone: dns.zone, name: name("registry"), type: "A", ttl: 60, expect: ["10.1.0.10"], values: ["10.2.0.20"] });
      assert.deepEqual(await dns.dig(name("registry"), "A"), ["10.2.0.20"]);

      await dns.nsupdate([`update delete ${name("registry")} A`, `update add ${name("registry")} 60 A 10.9.9.9`]);
      await assert.rejects(
        client().update({ zone: dns.zone, name: name("registry"), type: "A", ttl: 60, expect: ["10.2.0.20"], values: ["10.1.0.10"] }),
        (error: Error) =>
          error instanceof DnsPrerequisiteError &&
          error.code === "NXRRSET" &&
          /no longer holds 10\.2\.0\.20: someone changed it meanwhile, so nothing was written/.test(error.message),
      );
      assert.deepEqual(await dns.dig(name("registry"), "A"), ["10.9.9.9"], "the concurrent change stands");
    });

    test("create refuses a record that exists (no silent merge), and delete removes only the values it expects", async () => {
      await client({ transport: "tcp" }).update({ zone: dns.zone, name: name("fresh"), type: "AAAA", ttl: 30, expect: "absent", values: ["fd00::20"] });
      assert.deepEqual(await dns.dig(name("fresh"), "AAAA"), ["fd00::20"]);
      await assert.rejects(
        client().update({ zone: dns.zone, name: name("fresh"), type: "AAAA", ttl: 30, expect: "absent", values: ["fd00::30"] }),
        (error: Error) => error instanceof DnsPrerequisiteError && error.code === "YXRRSET",
      );
      assert.deepEqual(await dns.dig(name("fresh"), "AAAA"), ["fd00::20"]);
      await assert.rejects(
        client().update({ zone: dns.zone, name: name("fresh"), type: "AAAA", ttl: 30, expect: ["fd00::99"], values: [] }),
        DnsPrerequisiteError,
      );
      await client().update({ zone: dns.zone, name: name("fresh"), type: "AAAA", ttl: 30, expect: ["fd00:0:0::20"], values: [] });
      assert.deepEqual(await dns.dig(name("fresh"), "AAAA"), []);
    });

    test("a CNAME moves from one host to another", async () => {
      await client().update({
        zone: dns.zone,
        name: name("mirror"),
        type: "CNAME",
        ttl: 60,
        expect: ["Harbor.Example.com."],
        values: ["xxx-registry-vpc.cn-hangzhou.cr.aliyuncs.com"],
      });
      assert.deepEqual(await dns.dig(name("mirror"), "CNAME"), ["xxx-registry-vpc.cn-hangzhou.cr.aliyuncs.com"]);
    });

    test("a wrong secret, an unknown key and a wrong clock are refused with what is wrong, and change nothing", async () => {
      const before = await dns.dig(name("registry"), "A");
      const change = { zone: dns.zone, name: name("registry"), type: "A" as const, ttl: 60, expect: before, values: ["10.3.0.30"] };
      const wrongSecret = client({ key: { ...dns.key, secret: Buffer.alloc(32, 1).toString("base64") } });
      await assert.rejects(
        wrongSecret.update(change),
        (error: Error) =>
          error instanceof DnsError &&
          error.code === "BADSIG" &&
          /NOTAUTH \(BADSIG\): the server does not accept key "dr-key" with this secret/.test(error.message),
      );
      const unknownKey = client({ key: { ...dns.key, name: "who-is-this" } });
      await assert.rejects(
        unknownKey.update(change),
        (error: Error) =>
          error instanceof DnsError && error.code === "BADKEY" && /NOTAUTH \(BADKEY\): the server does not know key "who-is-this"/.test(error.message),
      );
      const skewed = client({ now: () => Math.floor(Date.now() / 1000) + 1000 });
      await assert.rejects(
        skewed.update(change),
        (error: Error) => error instanceof DnsError && error.code === "BADTIME" && /clock differs from the server's/.test(error.message),
      );
      const unsigned = client({ key: undefined });
      await assert.rejects(unsigned.update(change), (error: Error) => error instanceof DnsError && /REFUSED|NOTAUTH/.test(error.message));
      assert.deepEqual(await dns.dig(name("registry"), "A"), before);
    });
  });
}
