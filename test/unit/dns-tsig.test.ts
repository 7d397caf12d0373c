import assert from "node:assert/strict";
import { test } from "node:test";
import { parseMessage, RR_TYPE } from "../../provider/clients/dns/dns-message";
import { DnsProtocolError } from "../../provider/clients/dns/dns-errors";
import { signMessage, TsigAlgorithm, TsigKey, verifyReply } from "../../provider/clients/dns/tsig";

/**
 * TSIG against an independent implementation: each vector is an UPDATE (zone dr.example.com,
 * prerequisite registry A 10.1.0.10, delete the RRset, add 10.2.0.20 TTL 60) that dnspython 2.3
 * signed with key "dr-key" at the given time, and dnspython's signed reply to it. Our signer must
 * produce dnspython's MAC over the same message, and our verifier must accept its reply (and
 * refuse it once a byte changes).
 */

const SECRET = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const VECTORS: { algorithm: TsigAlgorithm; time: number; request: string; requestMac: string; response: string }[] = [
  {
    algorithm: "hmac-sha256",
    time: 1764612000,
    request:
      "123428000001000100020001026472076578616d706c6503636f6d0000060001087265676973747279c00c000100010000000000040a01000ac020000100ff000000000000c020000100010000003c00040a0200140664722d6b65790000fa00ff00000000003d0b686d61632d736861323536000000692dd7a0012c00201a92f2f1a2a61c053686ffec74ec79b35fcfb329e4b4aba21bac0fc6fa59a124123400000000",
    requestMac: "1a92f2f1a2a61c053686ffec74ec79b35fcfb329e4b4aba21bac0fc6fa59a124",
    response:
      "1234a8000001000000000001026472076578616d706c6503636f6d00000600010664722d6b65790000fa00ff00000000003d0b686d61632d736861323536000000692dd7a0012c002061ddc0f86671d9e9fcd97464c3997b994f1ecb66ed1a2706a2357bbb3f67209a123400000000",
  },
  {
    algorithm: "hmac-sha512",
    time: 1764612000,
    request:
      "123428000001000100020001026472076578616d706c6503636f6d0000060001087265676973747279c00c000100010000000000040a01000ac020000100ff000000000000c020000100010000003c00040a0200140664722d6b65790000fa00ff00000000005d0b686d61632d736861353132000000692dd7a0012c0040d7787b500b32749fda61a4bda9c577bfd98709542dd01ae5e62e5eab4a911235dddb1c2d7b32263bc24da56dd62dcda69767203c3c706b511077b2bcf85c7561123400000000",
    requestMac: "d7787b500b32749fda61a4bda9c577bfd98709542dd01ae5e62e5eab4a911235dddb1c2d7b32263bc24da56dd62dcda69767203c3c706b511077b2bcf85c7561",
    response:
      "1234a8000001000000000001026472076578616d706c6503636f6d00000600010664722d6b65790000fa00ff00000000005d0b686d61632d736861353132000000692dd7a0012c0040dd6afaf6d47e687121e16f852d22bebbf53b234e7f92082f2646654110919a07440aafa39e4358bda7209899f5195eab8855ac9ac6db3c9c00e86a57a1b38630123400000000",
  },
  {
    algorithm: "hmac-sha1",
    time: 1764612000,
    request:
      "123428000001000100020001026472076578616d706c6503636f6d0000060001087265676973747279c00c000100010000000000040a01000ac020000100ff000000000000c020000100010000003c00040a0200140664722d6b65790000fa00ff00000000002f09686d61632d73686131000000692dd7a0012c00148e3126875d296dee5225d344335817c4fc1f34ee123400000000",
    requestMac: "8e3126875d296dee5225d344335817c4fc1f34ee",
    response:
      "1234a8000001000000000001026472076578616d706c6503636f6d00000600010664722d6b65790000fa00ff00000000002f09686d61632d73686131000000692dd7a0012c001413679d0311ab5367f6dfb732dded94889585cd69123400000000",
  },
];

/** The message without its last (TSIG) record, ARCOUNT less one: what the signer is given. */
function unsignedPart(signed: Buffer): Buffer {
  const parsed = parseMessage(signed, "vector");
  const tsig = parsed.additional[parsed.additional.length - 1];
  assert.equal(tsig.type, RR_TYPE.TSIG);
  const unsigned = Buffer.from(signed.subarray(0, tsig.offset));
  unsigned.writeUInt16BE(unsigned.readUInt16BE(10) - 1, 10);
  return unsigned;
}

for (const vector of VECTORS) {
  const key: TsigKey = { name: "dr-key", algorithm: vector.algorithm, secret: SECRET };

  test(`${vector.algorithm}: the request MAC equals dnspython's, and the signed message is byte for byte dnspython's`, () => {
    const request = Buffer.from(vector.request, "hex");
    const signed = signMessage(unsignedPart(request), key, vector.time);
    assert.equal(signed.mac.toString("hex"), vector.requestMac);
    assert.equal(signed.bytes.toString("hex"), vector.request);
  });

  test(`${vector.algorithm}: dnspython's signed reply verifies, a changed byte or another secret does not`, () => {
    const reply = Buffer.from(vector.response, "hex");
    const request = { bytes: Buffer.alloc(0), id: 0x1234, mac: Buffer.from(vector.requestMac, "hex") };
    assert.deepEqual(verifyReply(reply, parseMessage(reply, "vector"), request, key, vector.time, "vector"), {
      signed: true,
      tsigError: 0,
      serverTime: undefined,
    });
    const tampered = Buffer.from(reply);
    tampered[3] ^= 0x01; // the RCODE
    assert.throws(
      () => verifyReply(tampered, parseMessage(tampered, "vector"), request, key, vector.time, "vector"),
      (error: Error) => error instanceof DnsProtocolError && /does not verify with key "dr-key"/.test(error.message),
    );
    const otherKey = { ...key, secret: Buffer.alloc(32, 7).toString("base64") };
    assert.throws(() => verifyReply(reply, parseMessage(reply, "vector"), request, otherKey, vector.time, "vector"), /does not verify/);
  });

  test(`${vector.algorithm}: a reply signed outside the 300 s fudge is refused`, () => {
    const reply = Buffer.from(vector.response, "hex");
    const request = { bytes: Buffer.alloc(0), id: 0x1234, mac: Buffer.from(vector.requestMac, "hex") };
    assert.throws(
      () => verifyReply(reply, parseMessage(reply, "vector"), request, key, vector.time + 301, "vector"),
      /301 s away from this machine's clock, more than the 300 s fudge/,
    );
    assert.equal(verifyReply(reply, parseMessage(reply, "vector"), request, key, vector.time + 300, "vector").signed, true);
  });
}

test("a secret that is not base64 is refused without quoting it", () => {
  const key: TsigKey = { name: "dr-key", algorithm: "hmac-sha256", secret: "not base64 at all!" };
  assert.throws(
    () => signMessage(Buffer.alloc(12), key, 1),
    (error: Error) => /TSIG key "dr-key": the secret is not base64/.test(error.message) && !error.message.includes("not base64 at all!"),
  );
});
