/**
 * The registry-dr package: `import { ImageSync, runSync } from "registry-dr"`.
 * (The root index.ts is the Pulumi program of this repository's own stack.)
 * The engine alone is `registry-dr/dist/provider`, which does not load Pulumi.
 */
export * from "./provider";
// Not in the engine's entry: the command would load the YAML document API on every start.
export * from "./provider/rewrite";
export * from "./provider/resources";
export * from "./components";
