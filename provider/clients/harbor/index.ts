export * from "./harbor-client";
export * from "./harbor-connection";
export * from "./harbor-errors";
export * from "./harbor-http";
export * from "./wire-types";
export * from "./replication-rules";
