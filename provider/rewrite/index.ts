export * from "./reference-mapping";
export * from "./rewrite-references";
