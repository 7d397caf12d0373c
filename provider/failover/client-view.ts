import { AuthError, FetchedManifest, HttpTransport, RegistryClient, TransportOptions, basicLogin, parseReference } from "../clients/oci";
import { AccessMap, ReadinessRow, accessKeyFor, loginSourceFor } from "../sync";
import type { ClientView } from "./client-settings";

/**
 * The preflight from the clients' side: after the flip, a client resolves the failover name to
 * the site, connects with the name as TLS server name and `Host`, logs in with its usual
 * credential, and asks for the image at the path it always used (the primary's). This asks
 * the site exactly that, before DNS sends anyone there, and names what would go wrong.
 */

/** One image as clients pull it: the primary's repository path and tag, and the primary's digest. */
export interface ClientImage {
  repository: string;
  tag: string;
  digest: string;
  /** Where the site holds it under another path ("dr/nginx:1.1"), as the readiness job copies it there. */
  heldAs?: string;
}

/** Each readiness source once, with the path the site at `siteHost` holds it under when that differs. */
export function clientImages(rows: readonly ReadinessRow[], siteHost: string): ClientImage[] {
  const images = new Map<string, ClientImage>();
  for (const row of rows) {
    if (!row.sourceDigest) continue;
    const source = parseReference(row.source);
    if (!source.tag) continue;
    const key = `${source.repository}:${source.tag}`;
    const image = images.get(key) ?? { repository: source.repository, tag: source.tag, digest: row.sourceDigest };
    const destination = parseReference(row.destination);
    const elsewhere = `${destination.repository}:${destination.tag}`;
    if (destination.registry.toLowerCase() === siteHost.toLowerCase() && elsewhere !== key) image.heldAs ??= elsewhere;
    images.set(key, image);
  }
  return [...images.values()];
}

/** `name[:port]` as clients write it. */
export function clientHost(view: Pick<ClientView, "name" | "port">): string {
  return view.port === 443 ? view.name : `${view.name}:${view.port}`;
}

interface ClientConnection {
  client: RegistryClient;
  close(): Promise<void>;
  /** Whether the client has a credential of its own (or the readiness one), for the wording of a refusal. */
  credentialGiven: boolean;
}

/** A registry client that reaches `address` as clients reach the failover name. */
export function connectAsClient(view: ClientView, address: string, access: AccessMap = {}, transport: TransportOptions = {}): ClientConnection {
  const host = clientHost(view);
  const routes = { [`${view.name}:${view.port}`]: { address: address.replace(/\.$/, ""), ...(view.trust ? { trust: view.trust } : {}) } };
  const http = new HttpTransport({ ...transport, routes });
  const key = view.credential ? undefined : accessKeyFor(access, { registry: view.primaryRegistry, repository: "" });
  const login = view.credential ? basicLogin(view.credential.username, view.credential.password) : key ? loginSourceFor(access[key].credential) : undefined;
  const client = new RegistryClient({ host, transport: http, login, insecure: view.insecure });
  return { client, credentialGiven: login !== undefined, close: async () => Promise.all([client.close(), http.close()]).then(() => {}) };
}

/**
 * Pulls an image's manifest through the failover name from `address`, as a client would after
 * the flip (certificate verified for the name, the clients' credential): for drills and checks.
 */
export async function pullAsClient(view: ClientView, address: string, repository: string, reference: string, access?: AccessMap): Promise<FetchedManifest> {
  const connection = connectAsClient(view, address, access, { retry: { maxRetries: 1 } });
  try {
    return await connection.client.getManifest(repository, reference);
  } finally {
    await connection.close();
  }
}

/** What clients would meet at the site at `address`, one line per problem; none when every image pulls with the primary's digest. */
export async function checkClientView(
  view: ClientView,
  address: string,
  images: readonly ClientImage[],
  access: AccessMap,
  options: { signal?: AbortSignal } = {},
): Promise<string[]> {
  const connection = connectAsClient(view, address, access, { signal: options.signal, retry: { maxRetries: 1 } });
  const prefix = `clients at ${clientHost(view)} (reaching ${address})`;
  try {
    try {
      await connection.client.ping();
    } catch (error) {
      return [`${prefix}: ${refusal(error, connection.credentialGiven)}`];
    }
    const problems: string[] = [];
    for (const image of images) {
      const problem = await imageProblem(connection.client, image, connection.credentialGiven);
      if (problem) problems.push(`${prefix}: ${image.repository}:${image.tag}: ${problem}`);
    }
    return problems;
  } finally {
    await connection.close();
  }
}

async function imageProblem(client: RegistryClient, image: ClientImage, credentialGiven: boolean): Promise<string | undefined> {
  let head;
  try {
    head = await client.headManifest(image.repository, image.tag);
  } catch (error) {
    return refusal(error, credentialGiven);
  }
  if (!head)
    return image.heldAs
      ? `the site holds it as ${image.heldAs}: clients would get 404 (the standby must keep the primary's repository paths)`
      : "not there: clients would get 404";
  if (head.digest !== image.digest) return `digest ${head.digest} there, ${image.digest} at the primary: clients would pull a different image`;
  return undefined;
}

function refusal(error: unknown, credentialGiven: boolean): string {
  const message = (error as Error).message;
  if (!(error instanceof AuthError)) return message;
  return credentialGiven
    ? `the clients' credential is refused: ${message}`
    : `a credential is needed and none is given (set clients.credential, or a readiness auth entry for the primary's registry): ${message}`;
}
