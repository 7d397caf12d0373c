import type * as pulumi from "@pulumi/pulumi";

/**
 * The provider object Pulumi serializes into state is only this shim: it names a provider of
 * the installed registry-dr package and loads it from the package's `registry-dr/providers`
 * entry when the engine calls. Serializing the provider by value would copy the whole engine
 * into state, and Pulumi's closure serializer breaks on parts of it (ES class fields and Error
 * subclasses, Sets, zod's internal modules). The shim captures one string and nothing else,
 * so no credential or connection can end up in state either.
 *
 * The entry is a package subpath, not a file path, so no file move can break stored state.
 * Consequence: `pulumi refresh` and `destroy` run the provider code installed now, not the
 * code of the release that wrote the state, so every output shape carries a schema version.
 */
export function packagedProvider(exportName: string): pulumi.dynamic.ResourceProvider {
  const load = (): pulumi.dynamic.ResourceProvider => {
    // The provider host runs in the stack's directory: resolve the package from there,
    // as Node would for the stack's own `import "registry-dr"`.
    const { createRequire } = require("node:module");
    const { join } = require("node:path");
    const fromStack = createRequire(join(process.cwd(), "index.js"));
    let loaded: Record<string, pulumi.dynamic.ResourceProvider>;
    try {
      loaded = fromStack("registry-dr/providers");
    } catch (error) {
      throw new Error(
        `cannot load registry-dr/providers from ${process.cwd()}: is registry-dr installed in this stack (npm install)? ${(error as Error).message}`,
      );
    }
    if (!loaded[exportName])
      throw new Error(`the installed registry-dr has no provider ${exportName}: install the release that wrote this stack's state, or a newer one`);
    return loaded[exportName];
  };
  return {
    configure: async (request) => load().configure?.(request),
    check: async (olds, news) => load().check!(olds, news),
    diff: async (id, olds, news) => load().diff!(id, olds, news),
    create: async (inputs) => load().create(inputs),
    read: async (id, props) => load().read!(id, props),
    update: async (id, olds, news) => load().update!(id, olds, news),
    delete: async (id, props) => load().delete!(id, props),
  };
}
