export * from "./replace-files";
