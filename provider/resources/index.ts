export * from "./image-sync";
