export * from "./dns-errors";
export { parseServerAddress, formatServerAddress } from "./dns-transport";
export type { DnsServerAddress, DnsTransportKind } from "./dns-transport";
export * from "./record-data";
export * from "./rfc2136-client";
export { TSIG_ALGORITHMS, FUDGE_SECONDS, secretBytes } from "./tsig";
export type { TsigAlgorithm, TsigKey } from "./tsig";
export * from "./rfc2136-records";
