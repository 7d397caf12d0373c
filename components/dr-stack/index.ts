export * from "./dr-stack";
export * from "./stack-config";
