import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { AcrLoginSource } from "../../provider/clients/alicloud/acr-temporary-login";
import { GoogleRegistryLogin } from "../../provider/clients/google/registry-login";
import { RegistryCredential, loginSourceFor, takesChunkedUploads } from "../../provider/sync";

/**
 * The registry client is vendor-neutral: `provider/clients/oci` imports only its own files,
 * the shared HTTP layer and Node's built-ins. Which vendor login a credential comes to, and
 * what a vendor's registry can take, is decided in `provider/sync`.
 */

const OCI_DIR = resolve(__dirname, "../../../provider/clients/oci");

/** Every module specifier a TypeScript file names: static and type imports, re-exports, dynamic imports, requires. */
function importedModules(source: string): string[] {
  const patterns = [/\b(?:import|export)\s+(?:type\s+)?[^'";]*?\bfrom\s+["']([^"']+)["']/g, /\bimport\s+["']([^"']+)["']/g, /\b(?:import|require)\s*\(\s*["']([^"']+)["']\s*\)/g];
  return patterns.flatMap((pattern) => [...source.matchAll(pattern)].map((match) => match[1]));
}

function allowed(specifier: string): boolean {
  if (specifier.startsWith("./") && !specifier.slice(2).includes("..")) return true;
  if (specifier === "../http" || specifier.startsWith("../http/")) return true;
  return specifier.startsWith("node:") || builtinModules.includes(specifier);
}

test("provider/clients/oci imports nothing but its own files, ../http and Node's built-ins", () => {
  const files = readdirSync(OCI_DIR).filter((name) => name.endsWith(".ts"));
  assert.ok(files.includes("registry-client.ts") && files.includes("authenticator.ts"), `read the client's sources: ${files.join(", ")}`);
  const outside = files.flatMap((name) =>
    importedModules(readFileSync(join(OCI_DIR, name), "utf8"))
      .filter((specifier) => !allowed(specifier))
      .map((specifier) => `${name} imports ${specifier}`),
  );
  assert.deepEqual(outside, []);
});

test("the import scan sees every form of import (so an empty result means something)", () => {
  const source = [
    'import { A } from "../alicloud/x";',
    'import type { B } from "../google/y";',
    'export * from "../harbor";',
    'const c = require("undici");',
    'import "../dns/z";',
    "await import('../google/w');",
  ].join("\n");
  assert.deepEqual(importedModules(source), ["../alicloud/x", "../google/y", "../harbor", "../dns/z", "undici", "../google/w"]);
  assert.deepEqual(importedModules(source).filter(allowed), []);
  assert.deepEqual(["./scope", "../http", "node:stream", "stream"].filter(allowed), ["./scope", "../http", "node:stream", "stream"]);
});

function serviceAccountKey(email: string): string {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return JSON.stringify({ type: "service_account", client_email: email, private_key: privateKey.export({ type: "pkcs8", format: "pem" }), token_uri: "https://oauth2.googleapis.com/token" });
}

test("each credential kind comes to its login source; descriptions name who, never the secret", async () => {
  assert.equal(loginSourceFor({ kind: "anonymous" }), undefined);
  const basic = loginSourceFor({ kind: "basic", username: "robot$ci", password: "pa$$" })!;
  assert.deepEqual(await basic.login(), { username: "robot$ci", password: "pa$$" });
  assert.equal(basic.description, 'user "robot$ci"');
  const token = loginSourceFor({ kind: "token", token: "tok-123" })!;
  assert.deepEqual(await token.login(), { registryToken: "tok-123" });
  const identity = loginSourceFor({ kind: "identity-token", identityToken: "refresh-456" })!;
  assert.deepEqual(await identity.login(), { identityToken: "refresh-456" });
  const acr = loginSourceFor({ kind: "alicloud", instanceId: "cri-test", region: "cn-hangzhou", accessKey: { accessKeyId: "LTAIkey", accessKeySecret: "key-secret" } })!;
  assert.ok(acr instanceof AcrLoginSource);
  assert.equal(acr.description, "an ACR temporary login for instance cri-test");
  const google = loginSourceFor({ kind: "google", serviceAccountKey: serviceAccountKey("dr@p.iam.gserviceaccount.com"), clientEmail: "dr@p.iam.gserviceaccount.com" })!;
  assert.ok(google instanceof GoogleRegistryLogin);
  assert.equal(google.description, "an access token of service account dr@p.iam.gserviceaccount.com");
  await google.close?.();
  for (const source of [basic, token, identity, acr, google]) assert.doesNotMatch(source.description, /pa\$\$|tok-123|refresh-456|key-secret|PRIVATE KEY/);
});

test("chunked uploads: not to Artifact Registry's or gcr.io's hosts, nor with a Google login", () => {
  const basic: RegistryCredential = { kind: "basic", username: "u", password: "p" };
  const google: RegistryCredential = { kind: "google", serviceAccountKey: "{}", clientEmail: "dr@p.iam.gserviceaccount.com" };
  for (const host of ["europe-west4-docker.pkg.dev", "us-docker.pkg.dev", "gcr.io", "eu.gcr.io"]) assert.equal(takesChunkedUploads(host, basic), false, host);
  assert.equal(takesChunkedUploads("harbor.example.com", basic), true);
  assert.equal(takesChunkedUploads("harbor.example.com", { kind: "anonymous" }), true);
  assert.equal(takesChunkedUploads("127.0.0.1:5000", google), false);
});
