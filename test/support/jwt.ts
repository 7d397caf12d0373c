import { createHash, createPrivateKey, KeyObject, sign, X509Certificate } from "node:crypto";

/**
 * The JWTs a Docker registry token server hands out, as distribution's `auth.token`
 * verifier (registry/auth/token) expects them: RS256, the signing key named either by an
 * x5c certificate chain or by a libtrust key ID, both checked against rootcertbundle.
 */

export interface AccessEntry {
  type: string;
  name: string;
  actions: string[];
}

export interface TokenClaims {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  access: AccessEntry[];
}

/** RS256 JWTs, as distribution's token verifier expects them. */
export class TokenSigner {
  private readonly key: KeyObject;
  private readonly header: Record<string, unknown>;

  constructor(keyPem: Buffer, certPem: Buffer, keyHeader: "x5c" | "kid") {
    this.key = createPrivateKey(keyPem);
    const cert = new X509Certificate(certPem);
    this.header =
      keyHeader === "x5c"
        ? { typ: "JWT", alg: "RS256", x5c: [cert.raw.toString("base64")] }
        : { typ: "JWT", alg: "RS256", kid: libtrustKeyId(cert.publicKey.export({ format: "der", type: "spki" })) };
  }

  sign(claims: TokenClaims): string {
    const input = `${base64url(JSON.stringify(this.header))}.${base64url(JSON.stringify(claims))}`;
    return `${input}.${base64url(sign("sha256", Buffer.from(input), this.key))}`;
  }
}

/**
 * libtrust's key ID, which distribution matches a JWT `kid` against: SHA-256 of the DER
 * SubjectPublicKeyInfo, first 240 bits, base32 without padding, in 12 groups of 4 joined by ':'.
 */
export function libtrustKeyId(spkiDer: Buffer): string {
  const encoded = base32(createHash("sha256").update(spkiDer).digest().subarray(0, 30));
  return encoded.match(/.{1,4}/g)!.join(":");
}

function base32(bytes: Buffer): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString("base64url");
}
