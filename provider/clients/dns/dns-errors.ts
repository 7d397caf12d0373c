import { HttpError } from "../http";

/**
 * Errors of the RFC 2136 client, each naming the server and the call, with the RCODE and TSIG
 * error by name and what they mean for the user. No error ever carries the TSIG secret: the
 * messages are built from the key's name and the server's answer only.
 */

export const RCODE_NAMES: readonly string[] = [
  "NOERROR",
  "FORMERR",
  "SERVFAIL",
  "NXDOMAIN",
  "NOTIMP",
  "REFUSED",
  "YXDOMAIN",
  "YXRRSET",
  "NXRRSET",
  "NOTAUTH",
  "NOTZONE",
];
export const RCODE = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  YXDOMAIN: 6,
  YXRRSET: 7,
  NXRRSET: 8,
  NOTAUTH: 9,
  NOTZONE: 10,
} as const;
export const TSIG_ERROR = { BADSIG: 16, BADKEY: 17, BADTIME: 18, BADTRUNC: 22 } as const;

export interface DnsErrorDetails {
  /** The server, "host:port". */
  host: string;
  /** "UPDATE registry.dr.example.com A", "QUERY registry.dr.example.com A". */
  call?: string;
  /** The RCODE's name (NOTAUTH, NXRRSET, ...), a TSIG error's (BADSIG), or TIMEOUT. */
  code?: string;
  retryable?: boolean;
}

/** On the clients' one error base (host, call, code, retryable); DNS answers have no HTTP status. */
export class DnsError extends HttpError {
  override name = "DnsError";

  constructor(message: string, details: DnsErrorDetails, options?: { cause?: unknown }) {
    super(message, details, options);
  }
}

/** The reply could not be read, or was not the reply to our message: never trusted, never retried blindly. */
export class DnsProtocolError extends DnsError {
  override name = "DnsProtocolError";
}

/** A prerequisite did not hold: the record is not what we said it was, so nothing was changed. */
export class DnsPrerequisiteError extends DnsError {
  override name = "DnsPrerequisiteError";
}

export function rcodeName(rcode: number): string {
  return RCODE_NAMES[rcode] ?? `RCODE ${rcode}`;
}

export function tsigErrorName(error: number): string {
  const entry = Object.entries(TSIG_ERROR).find(([, code]) => code === error);
  return entry ? entry[0] : `TSIG error ${error}`;
}

/** What an RCODE (and TSIG error) means, in words that say what to do. */
export function describeRcode(rcode: number, tsigError: number, context: { keyName?: string; zone: string; timeOffsetSeconds?: number }): string {
  const key = context.keyName ? `key "${context.keyName}"` : "an unsigned request";
  switch (tsigError) {
    case TSIG_ERROR.BADSIG:
      return `${rcodeName(rcode)} (BADSIG): the server does not accept ${key} with this secret`;
    case TSIG_ERROR.BADKEY:
      return `${rcodeName(rcode)} (BADKEY): the server does not know ${key} with this algorithm`;
    case TSIG_ERROR.BADTIME:
      return `${rcodeName(rcode)} (BADTIME): this machine's clock differs from the server's${context.timeOffsetSeconds === undefined ? "" : ` by ${context.timeOffsetSeconds} s`}, more than the allowed fudge: fix the clock`;
  }
  switch (rcode) {
    case RCODE.REFUSED:
      return `REFUSED: the server refuses this change to zone ${context.zone} from ${key}: check its update policy (BIND allow-update/update-policy, Knot's acl with action update)`;
    case RCODE.NOTAUTH:
      return `NOTAUTH: the server is not the primary for zone ${context.zone}, or does not let ${key} update it`;
    case RCODE.NOTZONE:
      return `NOTZONE: the name is not inside zone ${context.zone}`;
    case RCODE.NOTIMP:
      return "NOTIMP: the server does not take dynamic updates";
    case RCODE.SERVFAIL:
      return "SERVFAIL: the server failed to apply the change (see its log)";
    case RCODE.FORMERR:
      return "FORMERR: the server could not parse the message";
    default:
      return `${rcodeName(rcode)}${tsigError ? ` (${tsigErrorName(tsigError)})` : ""}`;
  }
}
