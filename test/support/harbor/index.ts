export * from "./harbor-stand-in";
export type { StoredRegistry } from "./stand-in-state";
export { destinationRepository, globToRegExp } from "./replicator";
export type { WebhookDelivery } from "./webhook-events";
