/**
 * Where Harbor is and who we are there. The password is a secret: it travels in inputs
 * marked secret or in stack config, and is only ever put in an Authorization header.
 */
export interface HarborConnection {
  /** "https://harbor.example.com" (no /api/v2.0) */
  url: string;
  username: string;
  password: string;
  /** Plain HTTP, or HTTPS without certificate verification. */
  insecure?: boolean;
}

export function apiBase(connection: HarborConnection): URL {
  return new URL(`${connection.url.replace(/\/+$/, "")}/api/v2.0/`);
}
