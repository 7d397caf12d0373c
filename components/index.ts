export * from "./alicloud";
export * from "./gcp";
export * from "./kubernetes";
export * from "./registry-disaster-recovery";
