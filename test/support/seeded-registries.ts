import { after, before } from "node:test";
import { Fixture, seedStandardFixture } from "./fixtures";
import { RegistryServer, RegistryServerOptions, startRegistry } from "./registry-server";

/**
 * The usual integration-test setup: a source registry seeded with the standard fixture and
 * an empty destination, started before the file's tests and stopped after them.
 * Read the fields inside tests (they are set once `before` has run).
 */
export interface SeededRegistries {
  source: RegistryServer;
  destination: RegistryServer;
  fixture: Fixture;
}

export function useSeededRegistries(sourceOptions: RegistryServerOptions = {}): SeededRegistries {
  const bed = {} as SeededRegistries;
  before(async () => {
    [bed.source, bed.destination] = await Promise.all([startRegistry(sourceOptions), startRegistry()]);
    bed.fixture = await seedStandardFixture(bed.source);
  });
  after(async () => Promise.all([bed.source?.stop(), bed.destination?.stop()]));
  return bed;
}
