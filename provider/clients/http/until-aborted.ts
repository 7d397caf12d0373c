/**
 * `work`, or the signal's reason as soon as it aborts, whichever comes first: the caller is
 * answered at the abort even where the work ignores the signal (undici before it has a
 * connection, a registry listing that never answers). The work is left to finish on its own;
 * `onAbandoned` gets what it yields after the abort, to release it (a response's body).
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined, onAbandoned?: (late: T) => void): Promise<T> {
  if (!signal) return work;
  let stop = () => {};
  const aborted = new Promise<never>((_, reject) => {
    stop = () => reject(signal.reason);
    if (signal.aborted) stop();
    else signal.addEventListener("abort", stop, { once: true });
  });
  if (onAbandoned)
    work.then(
      (late) => signal.aborted && onAbandoned(late),
      () => {},
    );
  return Promise.race([work, aborted]).finally(() => signal.removeEventListener("abort", stop));
}
