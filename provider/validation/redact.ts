/**
 * Removes credentials from text that is about to reach a person or a file: error bodies a
 * registry (or a proxy in front of it) sent back, which can echo the request's own headers.
 * Pure and dependency-free, so any layer can call it on any message. It errs towards
 * removing too much: a redacted word in an error costs little, a leaked password a lot.
 */

const REDACTED = "[redacted]";

/** Field names whose values are secrets: password, secret, token, access_token, api_key, authorization, ... */
const SECRET_NAME = String.raw`[A-Za-z0-9_.-]*(?:passw(?:or)?d|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|auth(?:orization)?|credential|cookie|signature)[A-Za-z0-9_.-]*`;

/** The same names as header names: no dots (a dotted name before a colon is a host). */
const HEADER_NAME = SECRET_NAME.replaceAll("[A-Za-z0-9_.-]", "[A-Za-z0-9_-]");

const RULES: readonly [RegExp, string | ((...groups: string[]) => string)][] = [
  // "password": "…", 'token': '…', "secret":"…" (JSON, with escaped quotes inside the value)
  [
    new RegExp(String.raw`(["'](?:${SECRET_NAME})["']\s*:\s*)(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\[[^\]]*\])`, "gi"),
    (_match, name) => `${name}"${REDACTED}"`,
  ],
  // Authorization: Basic …, X-Auth-Token: …, cookie: … (header lines, as a proxy echoes them). A header
  // name has no dot and does not end a path or a host: "POST /token: timeout" and "oauth2.example.com: …"
  // are a call and a host, and the reason after them must stay readable.
  [new RegExp(String.raw`(?<![A-Za-z0-9_./-])((?:${HEADER_NAME})\s*:\s*)[^\r\n"',}\]]+`, "gi"), (_match, name) => `${name}${REDACTED}`],
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

export type Redactor = (text: string) => string;

/** The configured secrets a redactor removes in every form they travel in. */
export interface ConfiguredSecrets {
  /** Passwords, tokens, keys. */
  secrets: readonly string[];
  /** Username/password pairs, sent as `Basic base64(username:password)`. */
  logins: readonly { username: string; password: string }[];
}

/**
 * Shorter secrets are removed only inside their longer forms (`user:password` and its
 * base64): removing every "abc" from a run's output would garble it.
 */
const SHORTEST_SECRET = 4;

/**
 * A redactor for one run: the configured secrets themselves removed wherever they appear, as
 * they are, as base64 (of the secret alone and of `username:password`, padded or not, standard
 * or URL alphabet) and URL-encoded (either case of hex), and then the patterns of
 * redactSecrets for credentials the configuration does not hold (tokens a registry minted).
 */
export function secretRedactor(configured: ConfiguredSecrets): Redactor {
  const plain = [
    ...configured.secrets.filter((secret) => secret.length >= SHORTEST_SECRET),
    ...configured.logins.map(({ username, password }) => `${username}:${password}`),
  ];
  const forms = new Set(plain.flatMap((text) => [text, ...base64Forms(text)]).flatMap((form) => [form, encodeURIComponent(form)]));
  const patterns = [...forms]
    .filter((form) => form.length > 0)
    .sort((a, b) => b.length - a.length)
    .map(literalPattern);
  if (patterns.length === 0) return redactSecrets;
  const known = new RegExp(patterns.join("|"), "g");
  return (text) => redactSecrets(text.replace(known, REDACTED));
}

function base64Forms(text: string): string[] {
  const bytes = Buffer.from(text, "utf8");
  // Unpadded: the padded form holds it, and "=" may travel as "%3D".
  return [bytes.toString("base64").replace(/=+$/, ""), bytes.toString("base64url")];
}

/** The text as a pattern, a %XX escape matching either case of its hex digits. */
function literalPattern(text: string): string {
  return text
    .split(/(%[0-9A-F]{2})/)
    .map((part, index) =>
      index % 2 === 1 ? `%[${part[1]}${part[1].toLowerCase()}][${part[2]}${part[2].toLowerCase()}]` : part.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&"),
    )
    .join("");
}
