export * from "./alicloud-credentials-input";
export * from "./alicloud-ids";
