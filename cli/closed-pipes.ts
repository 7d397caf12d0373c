/**
 * `registry-dr failover status | head -1`: once the reader has gone, what is left to print is
 * dropped, quietly, and the command finishes as it would have (a switch under way is not cut
 * short between its write and its read-back), with its own exit status. Any other write
 * error still surfaces.
 */
export function dropOutputToClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    if (!stream.listeners("error").includes(ignoreClosedPipe)) stream.on("error", ignoreClosedPipe);
  }
}

function ignoreClosedPipe(error: NodeJS.ErrnoException): void {
  if (error.code !== "EPIPE") throw error;
}
