/**
 * Removes credentials from text that is about to reach a person or a file: error bodies a
 * registry (or a proxy in front of it) sent back, which can echo the request's own headers.
 * Pure and dependency-free, so any layer can call it on any message. It errs towards
 * removing too much: a redacted word in an error costs little, a leaked password a lot.
 */

const REDACTED = "[redacted]";

/** Field names whose values are secrets: password, secret, token, access_token, api_key, authorization, ... */
const SECRET_NAME = String.raw`[A-Za-z0-9_.-]*(?:passw(?:or)?d|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|auth(?:orization)?|credential|cookie|signature)[A-Za-z0-9_.-]*`;

const RULES: readonly [RegExp, string | ((...groups: string[]) => string)][] = [
  // "password": "…", 'token': '…', "secret":"…" (JSON, with escaped quotes inside the value)
  [new RegExp(String.raw`(["'](?:${SECRET_NAME})["']\s*:\s*)(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\[[^\]]*\])`, "gi"), (_match, name) => `${name}"${REDACTED}"`],
  // Authorization: Basic …, X-Auth-Token: …, cookie: … (header lines, as a proxy echoes them)
  [new RegExp(String.raw`\b((?:${SECRET_NAME})\s*:\s*)[^\r\n"',}\]]+`, "gi"), (_match, name) => `${name}${REDACTED}`],
  // password=…, access_token=…&… (query strings, form bodies, YAML-ish key=value)
  [new RegExp(String.raw`\b((?:${SECRET_NAME})\s*=\s*)[^\s&"',;}\]]+`, "gi"), (_match, name) => `${name}${REDACTED}`],
  // Authorization values wherever they appear: Basic dXNlcjpwYXNz, Bearer abc.def
  [/\b(Basic|Bearer|Digest|Negotiate)[ \t]+[A-Za-z0-9._~+/=-]{4,}/gi, (_match, scheme) => `${scheme} ${REDACTED}`],
  // JWTs (registry tokens): header.payload.signature, the header always starting {"
  [/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, REDACTED],
];

export function redactSecrets(text: string): string {
  let result = text;
  for (const [pattern, replacement] of RULES) result = result.replace(pattern, replacement as (substring: string, ...args: string[]) => string);
  return result;
}
