import { createPrivateKey, KeyObject } from "node:crypto";
import { z } from "zod";
import { ConfigError, parseWithSchema } from "../../validation";

/**
 * A Google service-account key, the JSON file `gcloud iam service-accounts keys create` writes
 * (or `serviceaccount.Key.privateKey`, base64). Checked field by field, so an error names what
 * is missing; never quoted, since every field sits next to the private key.
 */

export interface ServiceAccountKey {
  clientEmail: string;
  privateKey: KeyObject;
  /** Where access tokens are minted: the key's own `token_uri`, not a hard-coded Google URL. */
  tokenUri: URL;
  projectId?: string;
  privateKeyId?: string;
}

const keySchema = () =>
  z.object({
    type: z.literal("service_account", { error: 'expected "service_account": this is not a service-account key' }).optional(),
    client_email: z
      .string({ error: "expected the service account's e-mail address (client_email)" })
      .regex(/^[^@\s]+@[^@\s]+$/, { error: "expected an e-mail address such as dr-sync@my-project.iam.gserviceaccount.com" }),
    private_key: z.string({ error: "expected the PEM private key (private_key)" }).min(1, { error: "expected the PEM private key (private_key)" }),
    token_uri: z.string({ error: "expected the token endpoint (token_uri), such as https://oauth2.googleapis.com/token" }),
    project_id: z.string().optional(),
    private_key_id: z.string().optional(),
  });

/** Parses the JSON key text (or its base64, as `_json_key_base64` and `serviceaccount.Key` carry it). */
export function parseServiceAccountKey(text: string, source = "serviceAccountKey"): ServiceAccountKey {
  const json = decodeKeyText(text, source);
  const fields = parseWithSchema(keySchema(), json, source);
  const tokenUri = tokenEndpoint(fields.token_uri, source);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(fields.private_key);
  } catch {
    throw new ConfigError([{ path: ["private_key"], message: "expected a PEM private key (-----BEGIN PRIVATE KEY-----); this one does not parse" }], source);
  }
  if (privateKey.asymmetricKeyType !== "rsa")
    throw new ConfigError([{ path: ["private_key"], message: "expected an RSA key: Google signs service-account assertions with RS256" }], source);
  return { clientEmail: fields.client_email, privateKey, tokenUri, projectId: fields.project_id, privateKeyId: fields.private_key_id };
}

function decodeKeyText(text: string, source: string): unknown {
  const trimmed = text.trim();
  const candidates = trimmed.startsWith("{") ? [trimmed] : [Buffer.from(trimmed, "base64").toString("utf8")];
  for (const candidate of candidates) {
    try {
      const parsed = JSON.parse(candidate);
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed;
    } catch {
      // reported below, without the text
    }
  }
  throw new ConfigError(
    [{ path: [], message: "expected a service-account key: its JSON text, or that text in base64 (the text itself is not shown: it holds the private key)" }],
    source,
  );
}

/** https, or http only on loopback (a test stand-in): a token request carries a signed assertion. */
function tokenEndpoint(value: string, source: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError([{ path: ["token_uri"], message: `expected an https URL, got ${JSON.stringify(value.slice(0, 100))}` }], source);
  }
  const loopback = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw new ConfigError([{ path: ["token_uri"], message: `expected an https URL, got ${JSON.stringify(value.slice(0, 100))}` }], source);
  }
  return url;
}
