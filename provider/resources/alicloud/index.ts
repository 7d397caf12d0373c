export * from "./alicloud-credentials-input";
