import type { TlsTrust } from "../http";

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
  /**
   * The CAs Harbor's certificate is checked against besides the system store (a private
   * Harbor's internal CA), and a client certificate where a proxy in front asks for one:
   * PEM text, already read. The key never leaves this process.
   */
  trust?: TlsTrust;
}

export function apiBase(connection: HarborConnection): URL {
  return new URL(`${connection.url.replace(/\/+$/, "")}/api/v2.0/`);
}
