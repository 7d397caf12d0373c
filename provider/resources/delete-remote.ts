/**
 * Deleting a remote object, with the answers every API here gives read the same way:
 * 404 means it is already gone (done); 412 means something still holds it, and the error
 * says what and what to do. Clients' errors carry the HTTP status as a number in `status`.
 */

/** A delete refused because something still uses the object. */
export class StillInUseError extends Error {
  override name = "StillInUseError";
}

export function httpStatusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" ? status : undefined;
}

/**
 * Runs `remove`; on 412 throws a StillInUseError with `explain(remoteMessage)`: what holds
 * the object and what to do about it (it may look that up).
 */
export async function deleteUnlessGone(remove: () => Promise<unknown>, explain: (remoteMessage: string) => string | Promise<string>): Promise<void> {
  try {
    await remove();
  } catch (error) {
    const status = httpStatusOf(error);
    if (status === 404) return;
    if (status === 412) throw new StillInUseError(await explain((error as Error).message));
    throw error;
  }
}
