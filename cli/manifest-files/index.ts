export * from "./replace-files";
export * from "./find-manifests";
export * from "./read-manifest";
