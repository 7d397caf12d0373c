import { X509Certificate, createPrivateKey } from "node:crypto";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { HostRoutes, TlsTrust } from "../clients/http";
import { ConfigError, ConfigIssue } from "../validation";

/**
 * TLS trust for a registry, as its user gives it: a CA bundle (`caFile` path or `ca` PEM text)
 * added to the system store, and a client certificate for mTLS (`certFile`/`keyFile` or
 * `cert`/`key` PEM). Files are read and checked when the job is compiled, so a wrong path or
 * a file that is not PEM fails the check, naming the field, before anything is copied. Key
 * material is never quoted.
 */

export interface TrustFields {
  caFile?: string;
  ca?: string;
  certFile?: string;
  cert?: string;
  keyFile?: string;
  key?: string;
}

type Path = (string | number)[];

/** The trust an entry gives, or undefined when it gives none; throws a ConfigError naming each bad field. */
export function trustOf(fields: TrustFields, path: Path): TlsTrust | undefined {
  const issues: ConfigIssue[] = [];
  const ca = pemField(fields, "ca", "caFile", path, issues, certificatesProblem);
  const cert = pemField(fields, "cert", "certFile", path, issues, certificatesProblem);
  const key = pemField(fields, "key", "keyFile", path, issues, keyProblem);
  if ((cert === undefined) !== (key === undefined) && issues.length === 0) {
    const missing = cert === undefined ? "certFile (or cert)" : "keyFile (or key)";
    issues.push({ path: [...path, missing.split(" ")[0]], message: `a client certificate needs its certificate and its key together: ${missing} is missing` });
  }
  if (issues.length) throw new ConfigError(issues);
  if (ca === undefined && cert === undefined) return undefined;
  return { ...(ca ? { ca: [ca] } : {}), ...(cert && key ? { cert, key } : {}) };
}

function pemField(
  fields: TrustFields,
  textField: "ca" | "cert" | "key",
  fileField: "caFile" | "certFile" | "keyFile",
  path: Path,
  issues: ConfigIssue[],
  problemOf: (pem: string) => string | undefined,
): string | undefined {
  if (fields[textField] !== undefined && fields[fileField] !== undefined) {
    issues.push({ path: [...path, textField], message: `give ${fileField} (a path) or ${textField} (PEM text), not both` });
    return undefined;
  }
  const file = fields[fileField];
  const pem = file === undefined ? fields[textField] : readPem(file, [...path, fileField], issues);
  if (pem === undefined) return undefined;
  const problem = problemOf(pem);
  if (problem)
    issues.push({ path: [...path, file === undefined ? textField : fileField], message: file === undefined ? problem : `${JSON.stringify(file)}: ${problem}` });
  return problem ? undefined : pem;
}

function readPem(file: string, path: Path, issues: ConfigIssue[]): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    issues.push({
      path,
      message: `cannot read ${JSON.stringify(file)} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): expected a PEM file`,
    });
    return undefined;
  }
}

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Each PEM certificate must parse; at least one must be there. */
function certificatesProblem(pem: string): string | undefined {
  const blocks = pem.match(CERTIFICATE_BLOCK) ?? [];
  if (blocks.length === 0) return "expected PEM certificates (-----BEGIN CERTIFICATE----- ...); found none";
  for (const [index, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch {
      return `certificate ${index + 1} of ${blocks.length} is not a valid PEM certificate`;
    }
  }
  return undefined;
}

/** A private key that parses; what it holds is never said. */
function keyProblem(pem: string): string | undefined {
  if (!/-----BEGIN (RSA |EC |ENCRYPTED )?PRIVATE KEY-----/.test(pem)) return "expected a PEM private key (-----BEGIN PRIVATE KEY----- ...); not shown";
  try {
    createPrivateKey(pem);
    return undefined;
  } catch {
    return "the PEM private key does not parse (an encrypted key needs decrypting first); not shown";
  }
}

/**
 * Docker's `certs.d` layout, as skopeo's `--cert-dir` takes it: `DIR/<host[:port]>/` holds
 * `*.crt` CA certificates, and `client.cert` with `client.key` for mTLS. Read once, checked
 * as the auth entries are.
 */
export function readCertDir(dir: string): HostRoutes {
  let hosts: string[];
  try {
    hosts = readdirSync(dir).filter((name) => statSync(join(dir, name)).isDirectory());
  } catch (error) {
    throw new ConfigError([
      {
        path: [],
        message: `--cert-dir: cannot read ${JSON.stringify(dir)} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): expected a directory with one folder per registry host[:port]`,
      },
    ]);
  }
  const routes: Record<string, { trust: TlsTrust }> = {};
  const issues: ConfigIssue[] = [];
  for (const host of hosts) {
    try {
      const trust = hostTrust(join(dir, host), host);
      if (trust) routes[host.toLowerCase()] = { trust };
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      issues.push(...error.issues);
    }
  }
  if (issues.length) throw new ConfigError(issues);
  return routes;
}

function hostTrust(folder: string, host: string): TlsTrust | undefined {
  const files = readdirSync(folder);
  const cas = files.filter((name) => name.endsWith(".crt")).sort();
  const issues: ConfigIssue[] = [];
  const ca = cas.map((name) => pemField({ caFile: join(folder, name) }, "ca", "caFile", [], issues, certificatesProblem));
  const client = {
    certFile: files.includes("client.cert") ? join(folder, "client.cert") : undefined,
    keyFile: files.includes("client.key") ? join(folder, "client.key") : undefined,
  };
  if ((client.certFile === undefined) !== (client.keyFile === undefined))
    issues.push({
      path: ["--cert-dir", host],
      message: `client.cert and client.key go together: ${client.certFile ? "client.key" : "client.cert"} is missing`,
    });
  const cert = client.certFile && client.keyFile ? pemField(client, "cert", "certFile", [], issues, certificatesProblem) : undefined;
  const key = client.certFile && client.keyFile ? pemField(client, "key", "keyFile", [], issues, keyProblem) : undefined;
  // Said by folder, as the user laid them out: "--cert-dir: /etc/certs.d/harbor:443: ...".
  if (issues.length) throw new ConfigError(issues.map((issue) => ({ path: [], message: `--cert-dir: ${folder}: ${issue.message}` })));
  const pems = ca.filter((pem): pem is string => pem !== undefined);
  if (pems.length === 0 && !cert) return undefined;
  return { ...(pems.length ? { ca: pems } : {}), ...(cert && key ? { cert, key } : {}) };
}
