import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
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

export interface TestCa {
  certPath: string;
  keyPath: string;
  /** The CA certificate's PEM text. */
  pem: string;
}

/** A test CA (RSA, CA:TRUE, keyCertSign) that signs leaf certificates for chosen names. */
export async function makeTestCa(dir: string, name = "registry-dr test CA"): Promise<TestCa> {
  const certPath = join(dir, `${name.replace(/[^A-Za-z0-9.-]/g, "_")}.ca.crt`);
  const keyPath = certPath.replace(/\.crt$/, ".key");
  await openssl(
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-sha256",
      "-days",
      "2",
      "-subj",
      `/CN=${name}`,
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
      "-keyout",
      keyPath,
      "-out",
      certPath,
    ],
    name,
  );
  return { certPath, keyPath, pem: readFileSync(certPath, "utf8") };
}

/**
 * A leaf certificate signed by `ca`, for server use (its DNS names and IPs as subjectAltName)
 * or client use (`client: true`: clientAuth, for mTLS).
 */
export async function makeLeafCert(
  dir: string,
  ca: TestCa,
  options: { commonName: string; dnsNames?: string[]; ipAddresses?: string[]; client?: boolean },
): Promise<CertificatePair> {
  const base = join(dir, `${options.commonName.replace(/[^A-Za-z0-9.-]/g, "_")}${options.client ? ".client" : ""}`);
  const [certPath, keyPath, csrPath, extPath] = [`${base}.crt`, `${base}.key`, `${base}.csr`, `${base}.ext`];
  const san = [...(options.dnsNames ?? []).map((name) => `DNS:${name}`), ...(options.ipAddresses ?? []).map((ip) => `IP:${ip}`)];
  const ext = [
    "basicConstraints=CA:FALSE",
    `extendedKeyUsage=${options.client ? "clientAuth" : "serverAuth"}`,
    ...(san.length ? [`subjectAltName=${san.join(",")}`] : []),
  ];
  writeFileSync(extPath, `${ext.join("\n")}\n`);
  await openssl(
    ["req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", `/CN=${options.commonName}`, "-keyout", keyPath, "-out", csrPath],
    options.commonName,
  );
  await openssl(
    [
      "x509",
      "-req",
      "-in",
      csrPath,
      "-CA",
      ca.certPath,
      "-CAkey",
      ca.keyPath,
      "-CAcreateserial",
      "-days",
      "2",
      "-sha256",
      "-extfile",
      extPath,
      "-out",
      certPath,
    ],
    options.commonName,
  );
  return { certPath, keyPath };
}

async function openssl(args: string[], what: string): Promise<void> {
  try {
    await run("openssl", args);
  } catch (error) {
    throw new Error(`openssl could not make a certificate for ${what}: ${(error as { stderr?: string }).stderr ?? error}`);
  }
}
