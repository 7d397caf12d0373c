import { ChildProcess, execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { AccessLog, RegistryRequest } from "./access-log";
import { startBlobFileServer, BlobFileServer } from "./blob-file-server";
import { CertificatePair, makeSelfSignedCert } from "./certs";
import { freePort } from "./free-port";
import { makeTempDir, removeTempDir, stopChild } from "./processes";
import { launchRegistry } from "./registry-process";
import { startTagPaginationProxy, TagPaginationProxy } from "./tag-pagination-proxy";
import type { TokenServer } from "./token-server";

export { parseAccessLog } from "./access-log";
export type { RegistryRequest } from "./access-log";

/**
 * A real registry (CNCF Distribution 2.8, Debian's docker-registry) on loopback, one per
 * call, with its own storage in a temp dir, so tests see real protocol behaviour (error
 * bodies, upload sessions, redirects) rather than a mock's idea of it.
 */

export type RegistryAuth =
  | { kind: "none" }
  /** Basic auth against a bcrypt file made with `htpasswd -Bbn`. */
  | { kind: "htpasswd"; users: Record<string, string> }
  /** Bearer tokens from `tokenServer` (distribution's `auth.token`). */
  | { kind: "token"; tokenServer: TokenServer };

export interface RegistryServerOptions {
  auth?: RegistryAuth;
  /** Serve HTTPS with a fresh self-signed certificate for IP 127.0.0.1. */
  tls?: boolean;
  /**
   * Answer blob GETs and HEADs with a 307 to a file server on another loopback host
   * (127.0.0.2), as registries backed by S3 or a CDN do; that host refuses requests
   * carrying Authorization.
   */
  redirectBlobs?: boolean;
  /**
   * Serve tag lists in pages when asked with `n`, with Link headers, through a proxy in
   * front of the registry: distribution 2.8 ignores `n` and `last` on tag lists. Plain
   * HTTP only. The access log still records each page request (with its query).
   */
  paginateTags?: boolean;
  /** Send distribution's notifications (push, pull, delete events) to this endpoint, with these headers. */
  notifications?: { url: string; headers?: Record<string, string> };
  /** The loopback address to listen on (127.0.0.1 by default): sites of a failover share a port on different addresses. */
  address?: string;
  /** The port to listen on; by default a free one. */
  port?: number;
  /** Serve HTTPS with this certificate (say, one for a failover name, from a test CA) instead of a self-signed one. */
  certificate?: CertificatePair;
  /** Require client certificates signed by this CA (distribution's `http.tls.clientcas`). */
  clientCa?: string;
  /** The client certificate the readiness probe presents when `clientCa` is set. */
  probeClient?: CertificatePair;
}

export interface RegistryServer {
  /** "127.0.0.1:PORT" (the proxy's, with paginateTags) */
  host: string;
  /** "http://127.0.0.1:PORT", or https when tls */
  url: string;
  /** The filesystem driver's root directory. */
  rootDir: string;
  /** When tls: the self-signed certificate (SAN IP:127.0.0.1), usable as a CA. */
  caCertPath?: string;
  /** When redirectBlobs: the base URL blob reads are redirected to. */
  blobBaseUrl?: string;
  /** Every request since start (or the last clearRequests), from the registry's access log, in order. */
  requests(): RegistryRequest[];
  clearRequests(): void;
  /** Requests that reached the redirect host with an Authorization header. */
  redirectViolations(): string[];
  /** Kills the registry, stops its helpers and removes its temp dir; safe to call twice. */
  stop(): Promise<void>;
}

const BIND_ATTEMPTS = 5;

export async function startRegistry(opts: RegistryServerOptions = {}): Promise<RegistryServer> {
  if (opts.paginateTags && opts.tls) throw new Error("paginateTags works over plain HTTP only");
  const dir = makeTempDir("registry-dr-registry-");
  const rootDir = join(dir, "storage");
  mkdirSync(rootDir);
  let blobServer: BlobFileServer | undefined;
  try {
    const tls = opts.certificate ?? (opts.tls ? await makeSelfSignedCert(dir, { commonName: "127.0.0.1", ipAddress: "127.0.0.1" }) : undefined);
    const auth = await authSection(opts.auth ?? { kind: "none" }, dir);
    if (opts.redirectBlobs) blobServer = await startBlobFileServer(rootDir);
    const log = new AccessLog(join(dir, "access.log"));
    const configPath = join(dir, "config.yml");

    // freePort() can lose a race with another process; a new port is the cure.
    for (let attempt = 1; ; attempt++) {
      const address = opts.address ?? "127.0.0.1";
      const host = `${address}:${opts.port ?? (await freePort(address))}`;
      const url = `${tls ? "https" : "http"}://${host}`;
      // YAML is a superset of JSON, and JSON cannot go wrong on quoting.
      writeFileSync(
        configPath,
        JSON.stringify(
          registryConfig({ host, rootDir, tls, clientCa: opts.clientCa, auth, blobBaseUrl: blobServer?.baseUrl, notifications: opts.notifications }),
          null,
          2,
        ),
      );
      const probe = opts.certificate
        ? {
            rejectUnauthorized: false,
            ...(opts.probeClient ? { cert: readFileSync(opts.probeClient.certPath), key: readFileSync(opts.probeClient.keyPath) } : {}),
          }
        : {};
      const outcome = await launchRegistry(configPath, url, opts.certificate ? undefined : tls?.certPath, log.path, join(dir, `stderr-${attempt}.log`), probe);
      if (!outcome.ready) {
        if (/address already in use/i.test(outcome.stderr) && attempt < BIND_ATTEMPTS && opts.port === undefined) continue;
        throw new Error(`docker-registry did not start on ${host} (${outcome.reason}); its stderr:\n${tail(outcome.stderr)}`);
      }
      await log.clearStartup();
      let proxy: TagPaginationProxy | undefined;
      try {
        if (opts.paginateTags) proxy = await startTagPaginationProxy(new URL(url));
      } catch (error) {
        await stopChild(outcome.child);
        throw error;
      }
      return handle({
        child: outcome.child,
        dir,
        host: proxy?.host ?? host,
        url: proxy ? `http://${proxy.host}` : url,
        rootDir,
        log,
        caCertPath: tls?.certPath,
        blobServer,
        proxy,
      });
    }
  } catch (error) {
    await blobServer?.stop();
    await removeTempDir(dir);
    throw error;
  }
}

interface ConfigInputs {
  host: string;
  rootDir: string;
  tls?: CertificatePair;
  clientCa?: string;
  auth?: object;
  blobBaseUrl?: string;
  notifications?: RegistryServerOptions["notifications"];
}

/** distribution's configuration (docs: "Configuring a registry"), for one test registry. */
function registryConfig({ host, rootDir, tls, clientCa, auth, blobBaseUrl, notifications }: ConfigInputs): object {
  return {
    version: "0.1",
    // Access log lines (combined log format) go to stdout, everything else to stderr.
    // Level "warn": the access log still records every request, without a second line each.
    log: { level: "warn", formatter: "text", accesslog: { disabled: false } },
    storage: {
      filesystem: { rootdirectory: rootDir },
      // As in Debian's packaged config: descriptor lookups from memory, not the disk, each time.
      cache: { blobdescriptor: "inmemory" },
      delete: { enabled: true },
      // No background purge of upload dirs while a test inspects them.
      maintenance: { uploadpurging: { enabled: false } },
    },
    http: {
      addr: host,
      // Set rather than left for the registry to generate, which it warns about on every start.
      secret: randomBytes(16).toString("hex"),
      ...(tls ? { tls: { certificate: tls.certPath, key: tls.keyPath, ...(clientCa ? { clientcas: [clientCa] } : {}) } } : {}),
    },
    ...(auth ? { auth } : {}),
    // Short timeout and backoff: a test's watcher that is down (restarted) gets the events again soon.
    ...(notifications
      ? {
          notifications: {
            endpoints: [
              {
                name: "test-listener",
                url: notifications.url,
                headers: Object.fromEntries(Object.entries(notifications.headers ?? {}).map(([name, value]) => [name, [value]])),
                timeout: "2s",
                threshold: 3,
                backoff: "500ms",
              },
            ],
          },
        }
      : {}),
    // Blob GETs (and HEADs) answer 307 to <baseurl><driver path>; 2.8 uses only scheme and host of baseurl.
    ...(blobBaseUrl ? { middleware: { storage: [{ name: "redirect", options: { baseurl: blobBaseUrl } }] } } : {}),
  };
}

async function authSection(auth: RegistryAuth, dir: string): Promise<object | undefined> {
  switch (auth.kind) {
    case "none":
      return undefined;
    case "htpasswd": {
      const path = join(dir, "htpasswd");
      const lines = await Promise.all(Object.entries(auth.users).map(([user, password]) => bcryptLine(user, password)));
      writeFileSync(path, lines.join("\n") + "\n");
      return { htpasswd: { realm: "registry-dr-test", path } };
    }
    case "token": {
      const { realm, service, issuer, certPath } = auth.tokenServer;
      return { token: { realm, service, issuer, rootcertbundle: certPath } };
    }
  }
}

/** distribution only accepts bcrypt entries; `-B` makes htpasswd write them. */
async function bcryptLine(user: string, password: string): Promise<string> {
  const { stdout } = await promisify(execFile)("htpasswd", ["-Bbn", user, password]);
  return stdout.trim();
}

interface Running {
  child: ChildProcess;
  dir: string;
  host: string;
  url: string;
  rootDir: string;
  log: AccessLog;
  caCertPath?: string;
  blobServer?: BlobFileServer;
  proxy?: TagPaginationProxy;
}

function handle({ child, dir, host, url, rootDir, log, caCertPath, blobServer, proxy }: Running): RegistryServer {
  let stopped: Promise<void> | undefined;
  return {
    host,
    url,
    rootDir,
    ...(caCertPath ? { caCertPath } : {}),
    ...(blobServer ? { blobBaseUrl: blobServer.baseUrl } : {}),
    requests: () => log.requests(),
    clearRequests: () => log.clear(),
    redirectViolations: () => blobServer?.violations() ?? [],
    stop: () => {
      stopped ??= (async () => {
        await proxy?.stop();
        await stopChild(child);
        await blobServer?.stop();
        await removeTempDir(dir);
      })();
      return stopped;
    },
  };
}

function tail(text: string, lines = 30): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}
