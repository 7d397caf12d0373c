import * as pulumi from "@pulumi/pulumi";

/**
 * Runs Pulumi programs under mocks and records what they register. Dynamic resources
 * answer with their inputs plus the given extra outputs, as a created resource would.
 */
export async function recordRegistrations(project: string, outputs: Record<string, unknown> = {}): Promise<pulumi.runtime.MockResourceArgs[]> {
  const registered: pulumi.runtime.MockResourceArgs[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push(args);
        return { id: `${args.name}-id`, state: { ...args.inputs, ...outputs } };
      },
      call: (args) => args.inputs,
    },
    project,
    "dev",
    false,
  );
  return registered;
}

/**
 * Like `recordRegistrations`, for programs with Kubernetes objects: each gets its auto-name
 * (`<name>-1a2b3c4d`) as the provider gives it. Waits for the previous program's calls first,
 * so one test file can run several programs.
 */
export async function recordKubernetesRegistrations(project: string): Promise<pulumi.runtime.MockResourceArgs[]> {
  await (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs?.();
  const registered: pulumi.runtime.MockResourceArgs[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push(args);
        const metadata = args.inputs.metadata && { ...args.inputs.metadata, name: args.inputs.metadata.name ?? `${args.name}-1a2b3c4d` };
        return { id: `${args.name}-id`, state: { ...args.inputs, ...(metadata ? { metadata } : {}) } };
      },
      call: (args) => args.inputs,
    },
    project,
    "dev",
    false,
  );
  return registered;
}

/** A summary output such as ImageSync returns, for programs that export parts of it. */
export function imageSyncSummary(counts = { synced: 0, skipped: 0, failed: 0 }) {
  return { summary: { schemaVersion: 1, syncedAt: "", counts, images: [] } };
}

export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((done) => output.apply(done));
}

/** True when a registered input is a secret (the SDK's wire signature). */
export function isRegisteredSecret(value: unknown): boolean {
  return JSON.stringify(value).includes("4dabf18193072939515e22adb298388d");
}
