import assert from "node:assert/strict";
import { test } from "node:test";
import type { z } from "zod";
import type { AcrEnterpriseTargetArgs } from "../../components/alicloud/acr-enterprise-target";
import { drPlanSchema, type DrPlan } from "../../components/disaster-recovery/plan-schema";
import type { PlainRegistryArgs } from "../../components/disaster-recovery/site-endpoint";
import type { ArtifactRegistryTargetArgs } from "../../components/gcp/artifact-registry-target";
import type { ArgsMatchPlan, DirectReplicationArgs, HarborReplicationArgs, RegistryDisasterRecoveryArgs } from "../../components/registry-disaster-recovery";
import type { SameShape, Unwrapped } from "../../provider/resources/define-dynamic-resource";

/**
 * The plan and RegistryDisasterRecovery's arguments are one description: checked at compile
 * time (this file does not build when they drift), and a parsed plan is the arguments as is.
 */

type Holds<Check extends true> = Check;
type PlanInput = z.input<ReturnType<typeof drPlanSchema>>;
type Agrees<Args> = SameShape<Unwrapped<Args>, PlanInput>;

/** The arguments, unwrapped, accept exactly what a stack's plan may say. */
export type ArgsAndPlanAgree = Holds<ArgsMatchPlan>;

/** The arguments as they were before: every kind and path optional, so two at once type-checked. */
type LooseSite = {
  acrEnterprise?: AcrEnterpriseTargetArgs;
  artifactRegistry?: ArtifactRegistryTargetArgs;
  registry?: PlainRegistryArgs;
  replication: { harbor?: HarborReplicationArgs; direct?: DirectReplicationArgs };
};
// @ts-expect-error the check refuses arguments that allow what the plan refuses
export type LooseSitesRefused = Holds<Agrees<Omit<RegistryDisasterRecoveryArgs, "sites"> & { sites: Record<string, LooseSite> }>>;
// @ts-expect-error the check refuses a setting whose type drifts
export type DriftRefused = Holds<Agrees<Omit<RegistryDisasterRecoveryArgs, "protect"> & { protect: { repositories: string[]; tags?: number } }>>;
// @ts-expect-error the check refuses arguments that lack a choice the plan offers
export type NarrowerRefused = Holds<Agrees<Omit<RegistryDisasterRecoveryArgs, "primary"> & { primary: { registry: string } }>>;

test("a parsed plan is the component's arguments as they are, each choice narrowed by its key", () => {
  const plan: DrPlan = drPlanSchema().parse({
    primary: { registry: "registry.internal:5000", auth: { username: "reader", password: "reader-secret" } },
    protect: { repositories: ["library/nginx"] },
    sites: { dc2: { registry: { url: "https://registry.dc2.example.com", namespace: "mirror" }, replication: { direct: { proc: 4 } } } },
  });
  const args: RegistryDisasterRecoveryArgs = plan;
  const site = args.sites.dc2;
  assert.equal(site.registry?.namespace, "mirror");
  assert.equal(site.replication.harbor ? "harbor" : site.replication.direct.proc, 4);
  assert.equal(args.primary.harbor ? args.primary.harbor.url : args.primary.registry, "registry.internal:5000");
});
