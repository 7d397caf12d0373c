export * from "./config-error";
export * from "./zod-issues";
export * from "./alicloud-ids";
export * from "./redact";
export * from "./json-text";
export * from "./one-of";
