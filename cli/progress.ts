import { appendFileSync } from "node:fs";
import { SyncEvent, describePlan, describeResult, formatBytes, formatRate } from "../provider/sync";
import { Redactor, redactSecrets } from "../provider/validation";

/**
 * Shows a run: on a terminal a one-line bar (images, bytes, rate) with result lines
 * scrolling above it; elsewhere (CI logs, cron mail, Pulumi) plain lines only.
 * With `--log FILE` the per-image lines go to the file, as image-syncer does. Every line is
 * redacted on its way out: error texts quote registries, which can echo credentials.
 */

export interface ReporterOptions {
  stream: NodeJS.WriteStream;
  logFile?: string;
  /** The run's redactor (its configured secrets in all their forms); without one, the generic patterns. */
  redact?: Redactor;
}

const BAR_WIDTH = 24;
/**
 * Failure and warning lines shown on the terminal as they happen; past this the count goes on
 * and one closing line says how many were left out. A run over a million bad tags must not write
 * a line for each: the --log file, the summary and the failed-images file still have them.
 */
export const NOTICES_SHOWN = 100;
const REDRAW_MS = 120;

export class ProgressReporter {
  private readonly started = Date.now();
  private readonly tty: boolean;
  private planned = 0;
  private finished = 0;
  private failed = 0;
  private bytes = 0;
  private timer?: NodeJS.Timeout;
  private barShown = false;
  private notices = 0;
  private noticesLeftOut = 0;

  constructor(private readonly options: ReporterOptions) {
    this.tty = options.stream.isTTY === true;
  }

  readonly onEvent = (event: SyncEvent): void => {
    switch (event.type) {
      case "planned":
        this.planned = event.images;
        this.line(describePlan(event.images, event.failed ?? 0));
        if (this.tty) this.timer = setInterval(() => this.drawBar(), REDRAW_MS).unref();
        break;
      case "warning":
        this.notice(`warning ${event.message}`);
        break;
      case "round":
        this.line(`retrying ${event.images} image(s) that failed with a transient error (round ${event.round})`);
        break;
      case "bytes":
        this.bytes += event.bytes;
        break;
      case "image-finished":
        this.finished++;
        if (event.result.status === "failed") {
          this.failed++;
          this.notice(describeResult(event.result));
        } else this.line(describeResult(event.result));
        break;
    }
  };

  /** Writes a line to the log (file or stream), keeping the bar below it. */
  line(raw: string): void {
    const text = (this.options.redact ?? redactSecrets)(raw);
    if (this.options.logFile) {
      appendFileSync(this.options.logFile, `${new Date().toISOString()} ${text}\n`);
      return;
    }
    this.clearBar();
    this.options.stream.write(`${text}\n`);
    this.drawBar();
  }

  /** Always on the terminal, also when a log file takes the detail. */
  say(raw: string): void {
    const text = (this.options.redact ?? redactSecrets)(raw);
    this.clearBar();
    this.options.stream.write(`${text}\n`);
    if (this.options.logFile) appendFileSync(this.options.logFile, `${new Date().toISOString()} ${text}\n`);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clearBar();
    if (this.noticesLeftOut > 0) this.options.stream.write(`… and ${this.noticesLeftOut} more failure and warning line(s) not shown\n`);
    this.noticesLeftOut = 0;
  }

  /** A failure or warning: in the log file always, on the terminal up to NOTICES_SHOWN. */
  private notice(raw: string): void {
    if (this.options.logFile || this.notices < NOTICES_SHOWN) {
      this.notices++;
      this.line(raw);
      return;
    }
    this.noticesLeftOut++;
  }

  elapsedMs(): number {
    return Date.now() - this.started;
  }

  private drawBar(): void {
    if (!this.timer) return;
    const elapsed = this.elapsedMs();
    const done = this.planned ? Math.min(1, this.finished / this.planned) : 0;
    const filled = Math.round(done * BAR_WIDTH);
    const bar = `[${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}]`;
    const failed = this.failed ? ` | ${this.failed} failed` : "";
    this.options.stream.write(
      `\r\x1b[2K${bar} ${this.finished}/${this.planned} images | ${formatBytes(this.bytes)} | ${formatRate(this.bytes, elapsed)}${failed}`,
    );
    this.barShown = true;
  }

  private clearBar(): void {
    if (this.barShown) this.options.stream.write("\r\x1b[2K");
    this.barShown = false;
  }
}
