import { once } from "node:events";
import { AddressInfo } from "node:net";
import { authRedactor, syncOptionsOf } from "../../provider/sync";
import { WatchService } from "../../provider/watch";
import { CommandArguments, UsageError, parseDuration } from "../arguments";
import { withCertDir } from "../cert-dir";
import { loadSyncJob } from "../config-files";
import { eventServer } from "../watch/event-server";
import { MIN_SECRET_LENGTH, WATCH_SECRET_VARIABLE, secretCheck } from "../watch/shared-secret";

/**
 * `registry-dr watch`: the sync config's images copied seconds after each push (distribution's
 * notifications, Harbor's webhooks), with a full resync at start and every interval. SIGTERM
 * or Ctrl-C drains: no new events are taken, queued copies finish (for at most DRAIN_MS).
 */

const DEFAULTS = { listen: "127.0.0.1:8480", resyncInterval: "15m", queue: 10_000 };
const SHORTEST_RESYNC_MS = 10_000;
const DRAIN_MS = 60_000;

export async function watchCommand(args: CommandArguments, interrupted: AbortSignal): Promise<number> {
  const job = loadSyncJob(args);
  const settings = watchSettings(args);
  const secret = process.env[WATCH_SECRET_VARIABLE];
  if (!secret || secret.length < MIN_SECRET_LENGTH)
    throw new UsageError(
      `${WATCH_SECRET_VARIABLE} must hold the shared secret senders use (at least ${MIN_SECRET_LENGTH} characters): registries send it as "Authorization: Bearer <secret>"`,
    );
  const redact = authRedactor(job.auth);
  const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${redact(line)}\n`);
  // Copies are not tied to the interruption: a stop drains them; only the drain's deadline cancels.
  const cancel = new AbortController();
  const service = new WatchService(job, {
    sync: withCertDir(
      syncOptionsOf(args.settings, {
        surface: "command",
        signal: cancel.signal,
        onEvent: (event) => event.type === "warning" && log(`warning: ${event.message}`),
      }),
      args.certDir,
    ),
    resyncIntervalMs: settings.resyncIntervalMs,
    capacity: settings.queue,
    workers: 2,
    batch: 32,
    followDeletions: settings.followDeletions,
    log,
  });
  let draining = false;
  const server = eventServer({ service, authorized: secretCheck(secret), draining: () => draining, log });
  server.listen(settings.port, settings.host);
  await once(server, "listening");
  const address = server.address() as AddressInfo;
  log(`watching: events to http://${address.address}:${address.port}/events/distribution and /events/harbor; metrics at /metrics`);
  void service.start();

  if (!interrupted.aborted) await once(interrupted, "abort");
  draining = true;
  log(`stopping (${(interrupted.reason as Error)?.message ?? "interrupted"}): finishing queued copies`);
  const deadline = setTimeout(() => cancel.abort(new Error(`stopped: the drain took longer than ${DRAIN_MS / 1000} s`)), DRAIN_MS);
  await service.stop();
  clearTimeout(deadline);
  server.close();
  server.closeAllConnections();
  log(cancel.signal.aborted ? "stopped; copies still running were cancelled" : "stopped; every queued copy finished");
  return cancel.signal.aborted ? 1 : 0;
}

interface WatchSettings {
  host: string;
  port: number;
  resyncIntervalMs: number;
  queue: number;
  followDeletions: boolean;
}

function watchSettings(args: CommandArguments): WatchSettings {
  const listen = args.watch.listen ?? DEFAULTS.listen;
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]*):(\d{1,5})$/.exec(listen);
  if (!match || Number(match[2]) > 65535)
    throw new UsageError(`--listen: expected HOST:PORT such as 0.0.0.0:8480 (or :8480 for every address), got "${listen}"`);
  const interval = args.watch.resyncInterval ?? DEFAULTS.resyncInterval;
  const resyncIntervalMs = parseDuration(interval);
  if (!(resyncIntervalMs >= SHORTEST_RESYNC_MS))
    throw new UsageError(`--resync-interval: expected a duration of at least ${SHORTEST_RESYNC_MS / 1000}s such as 15m or 1h, got "${interval}"`);
  const queueText = args.watch.queue ?? String(DEFAULTS.queue);
  const queue = /^\d+$/.test(queueText) ? Number(queueText) : Number.NaN;
  if (!(queue >= 1 && queue <= 1_000_000)) throw new UsageError(`--queue: expected a whole number of images from 1 to 1000000, got "${queueText}"`);
  return {
    host: match[1].replace(/^\[|\]$/g, "") || "0.0.0.0",
    port: Number(match[2]),
    resyncIntervalMs,
    queue,
    followDeletions: args.watch.followDeletions,
  };
}
