export * from "./cloud-dns-api";
export * from "./google-stand-in";
export * from "./service-accounts";
export * from "./token-endpoint";
export * from "./artifact-registry-front";
