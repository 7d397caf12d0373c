export * from "./copy-queue";
export * from "./event-images";
export * from "./recovery-point";
export * from "./registry-events";
export * from "./shared-secret-rule";
export * from "./watch-metrics";
export * from "./watch-service";
