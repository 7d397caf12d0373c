import { readFileSync } from "node:fs";
import { Agent, request } from "undici";

/**
 * The floor of a no-op resync: a bare client sending exactly the two HEADs per tag any
 * client must send (source digest, destination digest), at the engine's check concurrency,
 * with Basic credentials sent up front. No planning, no parsing, no checks: what the
 * registries' own per-request cost (bcrypt for htpasswd) allows. Prints one JSON line.
 */

interface FloorInput {
  tags: { source: string; destination: string }[];
  credentials: Record<string, string>;
  concurrency: number;
}

const ACCEPT =
  "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";

async function main(): Promise<void> {
  const input = JSON.parse(readFileSync(process.argv[2], "utf8")) as FloorInput;
  const agent = new Agent({ connections: 16 });
  let next = 0;
  let requests = 0;
  const head = async (url: string) => {
    const host = new URL(url).host;
    // reset: false keeps the connection after a HEAD (undici closes it otherwise), as the engine does.
    const response = await request(url, {
      method: "HEAD",
      dispatcher: agent,
      reset: false,
      headers: { accept: ACCEPT, authorization: `Basic ${Buffer.from(input.credentials[host]).toString("base64")}` },
    });
    await response.body.dump();
    requests++;
    if (response.statusCode !== 200) throw new Error(`HEAD ${url}: ${response.statusCode}`);
  };
  const worker = async () => {
    while (next < input.tags.length) {
      const tag = input.tags[next++];
      await head(tag.source);
      await head(tag.destination);
    }
  };
  await Promise.all(Array.from({ length: input.concurrency }, worker));
  await agent.close();
  process.stdout.write(`${JSON.stringify({ requests })}\n`);
}

void main();
