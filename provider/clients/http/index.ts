export * from "./agent-pool";
export * from "./http-client";
export * from "./http-error";
export * from "./http-request";
export * from "./network-errors";
export * from "./request-stats";
export * from "./retry-policy";
export * from "./retry-predicates";
