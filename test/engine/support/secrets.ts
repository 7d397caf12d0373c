import assert from "node:assert/strict";

/**
 * Fails when `text` holds any of `secrets` in plain text, or in the encodings a leak usually
 * takes: base64 (as in a Basic header or a docker config) and URL-encoding.
 */
export function assertNoPlainSecrets(text: string, secrets: string[], where: string): void {
  for (const secret of secrets) {
    const forms = [secret, Buffer.from(secret).toString("base64"), encodeURIComponent(secret)];
    for (const form of forms) assert.ok(!text.includes(form), `${where} holds a secret in plain text (${form.slice(0, 4)}…)`);
  }
}
