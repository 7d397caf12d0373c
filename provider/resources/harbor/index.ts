export * from "./harbor-connection-input";
export * from "./harbor-project";
export * from "./harbor-registry";
export * from "./harbor-replication-policy";
export * from "./harbor-replication-policy-wire";
export * from "./harbor-replication-run";
export * from "./harbor-robot-account";
export * from "./harbor-webhook-policy";
