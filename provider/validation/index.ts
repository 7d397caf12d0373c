export * from "./config-error";
export * from "./zod-issues";
export * from "./redact";
export * from "./json-text";
