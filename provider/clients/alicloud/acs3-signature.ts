import { createHash, createHmac, randomUUID } from "node:crypto";
import type { AlicloudAccessKey } from "./alicloud-access-key";

/**
 * Alibaba Cloud's V3 request signature, ACS3-HMAC-SHA256, for RPC-style actions: every
 * parameter in the query string, headers `x-acs-*` and `host` signed, the body hashed.
 * Checked against the worked examples in Alibaba's "V3 request structure and signature".
 */

export const ACS3_ALGORITHM = "ACS3-HMAC-SHA256";

export interface Acs3Request {
  method: string;
  /** The `host` header as sent: "pvtz.aliyuncs.com", or "127.0.0.1:8080". */
  host: string;
  action: string;
  version: string;
  query: Record<string, string>;
  body?: string;
  contentType?: string;
}

export interface SigningMoment {
  /** UTC, second precision: "2023-10-26T10:22:32Z". */
  date: string;
  nonce: string;
}

export function signingMoment(now = new Date()): SigningMoment {
  return { date: now.toISOString().replace(/\.\d{3}Z$/, "Z"), nonce: randomUUID().replace(/-/g, "") };
}

/** The request's headers, `authorization` included. */
export function acs3Headers(request: Acs3Request, key: AlicloudAccessKey, moment: SigningMoment = signingMoment()): Record<string, string> {
  const body = request.body ?? "";
  const headers: Record<string, string> = {
    host: request.host,
    "x-acs-action": request.action,
    "x-acs-version": request.version,
    "x-acs-date": moment.date,
    "x-acs-signature-nonce": moment.nonce,
    "x-acs-content-sha256": sha256Hex(body),
  };
  if (request.contentType) headers["content-type"] = request.contentType;
  if (key.securityToken) headers["x-acs-security-token"] = key.securityToken;
  const signedNames = Object.keys(headers).sort();
  const canonicalRequest = [
    request.method.toUpperCase(),
    "/",
    canonicalQuery(request.query),
    ...signedNames.map((name) => `${name}:${headers[name].trim()}`),
    "",
    signedNames.join(";"),
    headers["x-acs-content-sha256"],
  ].join("\n");
  const signature = createHmac("sha256", key.accessKeySecret)
    .update(`${ACS3_ALGORITHM}\n${sha256Hex(canonicalRequest)}`)
    .digest("hex");
  return { ...headers, authorization: `${ACS3_ALGORITHM} Credential=${key.accessKeyId},SignedHeaders=${signedNames.join(";")},Signature=${signature}` };
}

/** Sorted `key=value` pairs, both percent-encoded, joined with `&`: also the query string sent. */
export function canonicalQuery(query: Record<string, string>): string {
  return Object.keys(query)
    .sort()
    .map((key) => `${percentEncode(key)}=${percentEncode(query[key])}`)
    .join("&");
}

/** RFC 3986 encoding, as Alibaba's gateways compute it: `encodeURIComponent` plus `!'()*`. */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}
