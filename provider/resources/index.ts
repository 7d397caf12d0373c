export * from "./image-sync";
export * from "./harbor";
