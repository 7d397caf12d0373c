import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { AlicloudFault, contractFault } from "./api-fault";

/**
 * Checks a request's ACS3-HMAC-SHA256 signature the way Alibaba's gateway does, written
 * from the published algorithm rather than from the client's signer, so a mistake in the
 * signer cannot be repeated here: the canonical request is rebuilt from the bytes received.
 */

export interface StandInAccessKey {
  secret: string;
  /** An STS key: every request must carry this token. */
  securityToken?: string;
}

export interface ReceivedRequest {
  method: string;
  /** The raw query string, without "?". */
  rawQuery: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** How far the signing time may be from the gateway's clock (Alibaba: 15 minutes). */
const CLOCK_SKEW_MS = 15 * 60_000;
const REQUIRED_SIGNED = ["host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"];

export class Acs3Verifier {
  private readonly seenNonces = new Set<string>();

  constructor(
    private readonly keys: Record<string, StandInAccessKey>,
    private readonly now: () => number = Date.now,
  ) {}

  /** The AccessKey id that signed `request`; throws Alibaba's fault otherwise. */
  verify(request: ReceivedRequest): string {
    const header = (name: string) => single(request.headers[name]);
    const authorization = parseAuthorization(header("authorization"));
    const signed = authorization.signedHeaders;
    for (const name of REQUIRED_SIGNED) {
      if (!header(name))
        throw contractFault(400, "MissingParameter", `The input parameter "${name}" that is mandatory for processing this request is not supplied.`);
      if (!signed.includes(name)) throw contractFault(400, "IncompleteSignature", `The header "${name}" must be signed; SignedHeaders is ${signed.join(";")}.`);
    }
    for (const name of Object.keys(request.headers)) {
      if ((name.startsWith("x-acs-") || name === "content-type") && !signed.includes(name))
        throw contractFault(400, "IncompleteSignature", `The header "${name}" is sent but not signed.`);
    }
    if ([...signed].sort().join(";") !== signed.join(";"))
      throw contractFault(400, "IncompleteSignature", `SignedHeaders must be sorted: ${signed.join(";")}.`);
    const payloadHash = sha256Hex(request.body);
    if (header("x-acs-content-sha256") !== payloadHash)
      throw contractFault(400, "InvalidParameter", `x-acs-content-sha256 is not the SHA-256 of the body received (${payloadHash}).`);
    this.checkFreshness(header("x-acs-date")!, header("x-acs-signature-nonce")!);

    const key = this.keys[authorization.accessKeyId];
    if (!key) throw new AlicloudFault(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.");
    const canonicalRequest = [
      request.method,
      "/",
      canonicalQuery(request.rawQuery),
      ...signed.map((name) => `${name}:${(header(name) ?? "").trim()}`),
      "",
      signed.join(";"),
      payloadHash,
    ].join("\n");
    const expected = createHmac("sha256", key.secret)
      .update(`ACS3-HMAC-SHA256\n${sha256Hex(Buffer.from(canonicalRequest))}`)
      .digest();
    const given = Buffer.from(authorization.signature, "hex");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new AlicloudFault(
        400,
        "SignatureDoesNotMatch",
        `The request signature does not conform to Alibaba Cloud standards. server string to sign is:ACS3-HMAC-SHA256\n${sha256Hex(Buffer.from(canonicalRequest))}`,
      );
    }
    const token = header("x-acs-security-token");
    if (key.securityToken !== undefined && token !== key.securityToken) {
      throw new AlicloudFault(
        400,
        token ? "InvalidSecurityToken.MismatchWithAccessKey" : "InvalidSecurityToken.Missing",
        "The security token you provided does not match the STS AccessKey.",
      );
    }
    if (key.securityToken === undefined && token)
      throw new AlicloudFault(400, "InvalidSecurityToken.Malformed", "A security token was sent with a permanent AccessKey.");
    return authorization.accessKeyId;
  }

  private checkFreshness(date: string, nonce: string): void {
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(date))
      throw contractFault(400, "InvalidTimeStamp.Format", `x-acs-date must be UTC "yyyy-MM-ddTHH:mm:ssZ"; got "${date}".`);
    if (Math.abs(Date.parse(date) - this.now()) > CLOCK_SKEW_MS)
      throw contractFault(400, "InvalidTimeStamp.Expired", `Specified time stamp or date value is expired: ${date}.`);
    if (this.seenNonces.has(nonce)) throw contractFault(400, "SignatureNonceUsed", `Specified signature nonce was used already: ${nonce}.`);
    this.seenNonces.add(nonce);
  }
}

function parseAuthorization(value: string | undefined): { accessKeyId: string; signedHeaders: string[]; signature: string } {
  const match = /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]{64})$/.exec(value ?? "");
  if (!match)
    throw contractFault(
      400,
      "IncompleteSignature",
      `The Authorization header must be "ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=<64 hex>"; got "${value ? value.split(" ")[0] + " …" : "none"}".`,
    );
  return { accessKeyId: match[1], signedHeaders: match[2].split(";"), signature: match[3] };
}

/** The query as received, decoded and re-encoded per RFC 3986 with keys sorted. */
function canonicalQuery(rawQuery: string): string {
  if (!rawQuery) return "";
  const pairs = rawQuery.split("&").map((pair) => {
    const at = pair.indexOf("=");
    const [key, value] = at < 0 ? [pair, ""] : [pair.slice(0, at), pair.slice(at + 1)];
    return [rfc3986(decodeURIComponent(key)), rfc3986(decodeURIComponent(value))];
  });
  return pairs
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join("&");
}

function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (char) => "%" + char.charCodeAt(0).toString(16).toUpperCase());
}

function sha256Hex(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
