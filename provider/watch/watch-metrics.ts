import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import { RecoveryPoint } from "./recovery-point";

/**
 * The watcher's figures in Prometheus' text format. The recovery point gauges are also what
 * `registry-dr verify --metrics-file` writes for node_exporter's textfile collector, so a
 * cron job and the watcher give one alert rule the same series.
 */

export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** The recovery point per site, read from `recoveryPoint` at each scrape. */
export function registerRecoveryPoint(registry: Registry, recoveryPoint: RecoveryPoint, now: () => number = Date.now): void {
  new Gauge({
    name: "registry_dr_recovery_point_seconds",
    help: "Seconds the oldest selected image a site lacks has been missing there (0 when it holds them all).",
    labelNames: ["site"],
    registers: [registry],
    collect() {
      this.reset();
      for (const row of recoveryPoint.report(now())) this.set({ site: row.site }, round(row.seconds));
    },
  });
  new Gauge({
    name: "registry_dr_images_missing",
    help: "Selected images a site lacks (missing, or with another digest than the source's).",
    labelNames: ["site"],
    registers: [registry],
    collect() {
      this.reset();
      for (const row of recoveryPoint.report(now())) this.set({ site: row.site }, row.missing);
    },
  });
}

export type EventOutcome = "queued" | "coalesced" | "unselected" | "ignored" | "full" | "refused";

/** Everything the watcher counts. */
export class WatchMetrics {
  readonly registry = new Registry();
  readonly copies = new Counter({
    name: "registry_dr_copies_total",
    help: "Images the watcher copied or found up to date, and copies that failed, by site.",
    labelNames: ["site", "result"],
    registers: [this.registry],
  });
  readonly bytes = new Counter({
    name: "registry_dr_copied_bytes_total",
    help: "Bytes uploaded to each site.",
    labelNames: ["site"],
    registers: [this.registry],
  });
  readonly events = new Counter({
    name: "registry_dr_events_total",
    help: "Events received, by sender (distribution, harbor) and what became of them.",
    labelNames: ["sender", "outcome"],
    registers: [this.registry],
  });
  readonly lastResync = new Gauge({
    name: "registry_dr_last_resync_timestamp_seconds",
    help: "When the last full resync finished (Unix time).",
    registers: [this.registry],
  });
  readonly lastResyncSuccess = new Gauge({
    name: "registry_dr_last_resync_success",
    help: "1 when the last full resync copied or found every selected image, 0 when some failed.",
    registers: [this.registry],
  });
  readonly lastResyncDuration = new Gauge({
    name: "registry_dr_last_resync_duration_seconds",
    help: "How long the last full resync took.",
    registers: [this.registry],
  });

  constructor(recoveryPoint: RecoveryPoint, queueDepth: () => number) {
    registerRecoveryPoint(this.registry, recoveryPoint);
    new Gauge({
      name: "registry_dr_queue_depth",
      help: "Images waiting to be copied or being copied.",
      registers: [this.registry],
      collect() {
        this.set(queueDepth());
      },
    });
    collectDefaultMetrics({ register: this.registry, prefix: "registry_dr_watch_" });
  }
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
