import { constants } from "node:os";

/**
 * Ctrl-C and SIGTERM abort the running command's signal with an Interruption: work in flight
 * is cancelled (its messages say "interrupted"), and a command that stops because of it exits
 * as a shell reports a process killed by the signal (130 for SIGINT, 143 for SIGTERM).
 */
export class Interruption extends Error {
  readonly exitCode: number;

  constructor(readonly signal: "SIGINT" | "SIGTERM") {
    super("interrupted");
    this.name = "Interruption";
    this.exitCode = 128 + constants.signals[signal];
  }
}

/** Aborts `controller` with an Interruption on the first SIGINT or SIGTERM, until the returned function is called. */
export function abortOnSignals(controller: AbortController): () => void {
  const handlers = (["SIGINT", "SIGTERM"] as const).map((signal) => {
    const handler = () => controller.abort(new Interruption(signal));
    process.once(signal, handler);
    return () => process.off(signal, handler);
  });
  return () => {
    for (const remove of handlers) remove();
  };
}

/** The Interruption that aborted `signal`, if that is why it aborted. */
export function interruptionOf(signal: AbortSignal): Interruption | undefined {
  return signal.aborted && signal.reason instanceof Interruption ? signal.reason : undefined;
}
