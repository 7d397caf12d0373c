/**
 * What a registry host name says about the registry, whichever way it is spelled: host names
 * are case-insensitive, `:443` is where a registry listens anyway, and `localhost`, `127.0.0.1`
 * and `[::1]` are this machine. Two spellings of one registry must never pass for two registries
 * (two rules writing one tag through different names), nor a loopback one for a remote one.
 */

/** `localhost` resolves to these: one registry on this machine, whichever name it is reached by. */
const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * One spelling per registry: lowercased, without a trailing dot, without the default port 443,
 * IPv6 and IPv4 in their shortest form, and every loopback name as `localhost`
 * ("LOCALHOST:5002", "127.0.0.1:5002", "[::1]:5002" -> "localhost:5002"). For comparing only:
 * requests still go to the host as written.
 */
export function canonicalHost(host: string): string {
  const url = parseHost(host);
  if (!url) return host.toLowerCase();
  const name = url.hostname.replace(/\.$/, "");
  const folded = LOOPBACK_NAMES.has(name) ? "localhost" : name;
  return url.port ? `${folded}:${url.port}` : folded;
}

/** Whether the host is this machine (any 127.x address, `localhost` in any case, `::1`): plain HTTP is allowed there, as in Docker. */
export function isLoopback(host: string): boolean {
  const name = parseHost(host)?.hostname.replace(/\.$/, "");
  return name !== undefined && (LOOPBACK_NAMES.has(name) || /^127\.\d+\.\d+\.\d+$/.test(name));
}

/** `https://` so the URL parser drops :443, lowercases the name and normalizes addresses; undefined for what is no host. */
function parseHost(host: string): URL | undefined {
  if (!host || /[/?#@\s]/.test(host)) return undefined;
  return URL.canParse(`https://${host}`) ? new URL(`https://${host}`) : undefined;
}
