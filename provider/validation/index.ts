export * from "./config-error";
export * from "./zod-issues";
