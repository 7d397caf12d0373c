import type { Server } from "node:http";
import type { Server as HttpsServer } from "node:https";
import type { AddressInfo } from "node:net";

/** A test's own HTTP server, bound on loopback (port 0: it binds itself, so no race). */
export interface Listening {
  port: number;
  /** Closes the server and every open connection, keep-alive ones included. */
  close(): Promise<void>;
}

export async function listenOnLoopback(server: Server | HttpsServer, host = "127.0.0.1"): Promise<Listening> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  // A test that forgets to stop its server must not keep the test process alive.
  server.unref();
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
