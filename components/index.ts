export * from "./alicloud";
export * from "./dr-stack";
export * from "./gcp";
export * from "./kubernetes";
export * from "./registry-disaster-recovery";
