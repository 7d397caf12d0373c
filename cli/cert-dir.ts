import { SyncOptions, readCertDir } from "../provider/sync";

/** The run's options with `--cert-dir`'s CAs and client certificates, read (and checked) now, before any request. */
export function withCertDir(options: SyncOptions, certDir: string | undefined): SyncOptions {
  if (!certDir) return options;
  return { ...options, transport: { ...options.transport, routes: readCertDir(certDir) } };
}
