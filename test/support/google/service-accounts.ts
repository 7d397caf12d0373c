import { generateKeyPairSync, KeyObject } from "node:crypto";

/** A service account the stand-in knows, and the JSON key a user would download for it. */
export interface StandInServiceAccount {
  email: string;
  projectId: string;
  publicKey: KeyObject;
  /** The key file's text, with `token_uri` pointing at the stand-in. */
  keyJson: string;
}

export function makeServiceAccount(email: string, projectId: string, tokenUri: string): StandInServiceAccount {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const keyJson = JSON.stringify({
    type: "service_account",
    project_id: projectId,
    private_key_id: "0123456789abcdef",
    private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    client_email: email,
    client_id: "1000000000000000000001",
    auth_uri: "https://accounts.google.com/o/oauth2/auth",
    token_uri: tokenUri,
  });
  return { email, projectId, publicKey, keyJson };
}
