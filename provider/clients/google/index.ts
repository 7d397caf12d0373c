export * from "./access-tokens";
export * from "./cloud-dns";
export * from "./google-api";
export * from "./google-errors";
export * from "./jwt-assertion";
export * from "./service-account-key";
export * from "./cloud-dns-records";
export * from "./google-settings";
