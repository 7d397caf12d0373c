/**
 * A zone's DNS name as a DNS API reports it (PrivateZone's ZoneName, Cloud DNS's dnsName). It
 * becomes the TLS server name and the Host header of the client view, so it is untrusted input:
 * a bad one is refused with what is wrong with it, never echoed (it may hold control characters).
 */

const MAX_NAME = 253;
const MAX_LABEL = 63;
const LABEL = /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?$/i;

/** What is wrong with `value` as a DNS name (a final dot allowed), or undefined for a good one. */
export function zoneDnsNameProblem(value: unknown): string | undefined {
  if (value === undefined || value === null) return "is missing";
  if (typeof value !== "string") return `is ${/^[aeiou]/.test(typeof value) ? "an" : "a"} ${typeof value}, not text`;
  const name = value.replace(/\.$/, "");
  if (name === "") return "is empty";
  if (name.length > MAX_NAME) return `is ${name.length} characters long (a DNS name has at most ${MAX_NAME})`;
  const odd = [...name].find((char) => !/[a-z0-9_.-]/i.test(char));
  if (odd !== undefined) return `holds ${describeCharacter(odd)}`;
  const labels = name.split(".");
  if (labels.some((label) => label === "")) return "has an empty label (a leading dot or two dots in a row)";
  const long = labels.find((label) => label.length > MAX_LABEL);
  if (long) return `has a label of ${long.length} characters (at most ${MAX_LABEL})`;
  if (labels.some((label) => !LABEL.test(label))) return "has a label that starts or ends with a hyphen";
  return undefined;
}

function describeCharacter(char: string): string {
  const code = `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
  if (char === " ") return `a space (${code})`;
  if (/\s/.test(char)) return `white space (${code})`;
  if (/[\x21-\x7e]/.test(char)) return `"${char}" (${code})`;
  return `a character that cannot be in a DNS name (${code})`;
}
