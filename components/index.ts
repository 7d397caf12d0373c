export * from "./alicloud";
export * from "./gcp";
