import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface CertificatePair {
  certPath: string;
  keyPath: string;
}

/**
 * A self-signed RSA certificate and its unencrypted key, made by openssl in `dir`.
 * RSA because the token server signs RS256 with the same kind of key, and Go's x509
 * accepts openssl's defaults (SHA-256 signature, v3 with basicConstraints CA:TRUE) as a
 * root in a bundle.
 */
export async function makeSelfSignedCert(dir: string, options: { commonName: string; ipAddress?: string; days?: number }): Promise<CertificatePair> {
  const certPath = join(dir, `${options.commonName.replace(/[^A-Za-z0-9.-]/g, "_")}.crt`);
  const keyPath = certPath.replace(/\.crt$/, ".key");
  const args = [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-sha256",
    "-days",
    String(options.days ?? 2),
    "-subj",
    `/CN=${options.commonName}`,
    "-keyout",
    keyPath,
    "-out",
    certPath,
  ];
  if (options.ipAddress) args.push("-addext", `subjectAltName=IP:${options.ipAddress}`);
  try {
    await run("openssl", args);
  } catch (error) {
    throw new Error(`openssl could not make a certificate for ${options.commonName}: ${(error as { stderr?: string }).stderr ?? error}`);
  }
  return { certPath, keyPath };
}
