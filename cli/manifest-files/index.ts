export * from "./replace-files";
export * from "./find-manifests";
