export * from "./image-sync";
export * from "./harbor";
export * from "./dns";
export * from "./alicloud";
export * from "./dynamic-resource-modules";
