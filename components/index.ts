export * from "./alicloud";
export * from "./gcp";
export * from "./registry-disaster-recovery";
