import { randomUUID } from "node:crypto";

/**
 * The stand-in's vocabulary for answering like Alibaba Cloud's API gateway: an error is
 * `{RequestId, HostId, Code, Message, Recommend}` with its HTTP status, and a request that
 * breaks the documented contract (rather than one a real user could send by mistake, such
 * as a wrong secret) is also a violation the tests expect never to see.
 */

export class AlicloudFault extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The request broke the API contract: a bug in the client, not a user's mistake. */
    readonly violation = false,
  ) {
    super(message);
  }
}

/** A contract breach: answered like the real gateway, and recorded. */
export function contractFault(status: number, code: string, message: string): AlicloudFault {
  return new AlicloudFault(status, code, message, true);
}

export function newRequestId(): string {
  return randomUUID().toUpperCase();
}

export function errorBody(fault: AlicloudFault, requestId: string, host: string) {
  return {
    RequestId: requestId,
    HostId: host,
    Code: fault.code,
    Message: fault.message,
    Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(fault.code)}&product=stand-in&requestId=${requestId}`,
  };
}
