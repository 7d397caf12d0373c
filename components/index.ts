export * from "./alicloud";
