import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import type { SameShape, Unwrapped } from "../provider/resources/define-dynamic-resource";
import type { DIRECT_RUN_SETTINGS, drPlanSchema } from "./disaster-recovery/plan-schema";
import { FailoverRecord, ImageSync, type FailoverRecordArgs, type FailoverRecordPlacementArgs } from "../provider/resources";
import type { ImageSyncArgs } from "../provider/resources/image-sync";
import {
  HarborRegistry,
  HarborReplicationPolicy,
  HarborReplicationRun,
  HarborWebhookPolicy,
  type HarborConnectionArgs,
  type HarborReplicationPolicyArgs,
} from "../provider/resources/harbor";
import { SyncWatcher } from "./kubernetes/sync-watcher";
import {
  DEFAULT_FLATTEN,
  RepositorySelection,
  directImages,
  directPatternProblem,
  harborFilters,
  isRepositoryPattern,
} from "./disaster-recovery/repository-selection";
import { buildSiteEndpoint, SiteEndpoint, type SiteTargetArgs } from "./disaster-recovery/site-endpoint";
import { registryHostOf } from "../provider/clients/registry-hosts";
import { validateDisasterRecoveryArgs, watcherName } from "./disaster-recovery/validate-args";
import { alicloudCredentialsFor, cloudDnsSettingsFor } from "./explicit-providers";

export type { RepositorySelection } from "./disaster-recovery/repository-selection";
export type { PlainRegistryArgs, SiteTargetArgs } from "./disaster-recovery/site-endpoint";

/**
 * RegistryDisasterRecovery: a whole DR setup as one reviewed unit. The primary registry
 * (a Harbor, or any registry), the sites that hold copies (ACR Enterprise Edition, Artifact
 * Registry, or any registry), how each is kept in sync (Harbor's replication, as in Alibaba
 * Cloud's Harbor-to-ACR guide and Google's Harbor guide, or a direct image-syncer copy), and
 * the DNS record that decides who serves. The repositories are chosen once and land in the
 * same place whichever path copies them, so a site can move from one path to the other.
 */

/** The registry DR copies are taken from: a Harbor, or any registry. */
export type PrimaryArgs = HarborPrimaryArgs | RegistryPrimaryArgs;

/** A Harbor: needed for the harbor replication path (its rules run there); Harbor's user reads it. */
export interface HarborPrimaryArgs {
  harbor: HarborConnectionArgs;
  registry?: undefined;
  auth?: undefined;
}

/** Any registry, "host[:port]" or a URL. */
export interface RegistryPrimaryArgs {
  registry: pulumi.Input<string>;
  /** The login a copier uses to read the primary. Stored as a secret. */
  auth?: {
    username: pulumi.Input<string>;
    password: pulumi.Input<string>;
    insecure?: pulumi.Input<boolean>;
    /** The registry's CA (a PEM file, or `ca` as PEM text): a private CA is trusted, never skipped with `insecure`. */
    caFile?: pulumi.Input<string>;
    ca?: pulumi.Input<string>;
  };
  harbor?: undefined;
}

/** Harbor's own replication: an endpoint, a push rule and a first run, in the primary Harbor. */
export interface HarborReplicationArgs {
  flatten?: number;
  /** Default event_based (every push is replicated). */
  trigger?: HarborReplicationPolicyArgs["trigger"];
  replicateDeletion?: pulumi.Input<boolean>;
  override?: pulumi.Input<boolean>;
  speedKbps?: pulumi.Input<number>;
  /** Values whose change starts another full run at `pulumi up` (default {generation: "1"}); a change of the rule's filters, destination or flattening starts one anyway. */
  runTriggers?: Record<string, pulumi.Input<unknown>>;
  runTimeoutSeconds?: pulumi.Input<number>;
}

/** A direct copy (image-syncer's job as ImageSync) from the primary to the site. */
export interface DirectReplicationArgs extends Pick<ImageSyncArgs, (typeof DIRECT_RUN_SETTINGS)[number]> {
  flatten?: number;
}

/** How a site is kept in sync: Harbor's replication, or a direct copy. */
export type ReplicationArgs = { harbor: HarborReplicationArgs; direct?: undefined } | { direct: DirectReplicationArgs; harbor?: undefined };

export type DisasterRecoverySiteArgs = SiteTargetArgs & { replication: ReplicationArgs };

/** The record that decides who serves: a FailoverRecord between the primary and one site. */
export interface DisasterRecoveryFailoverArgs {
  /** The record itself: backend, zone, name, type, ttl and the backend's settings. */
  record: FailoverRecordPlacementArgs;
  /** The site the record fails over to; default the only site. */
  standby?: string;
  /** The record's value while each side serves: `primary`, and the standby's name. */
  values: Record<string, pulumi.Input<string>>;
  /** "primary" or the standby's name: change it and run `pulumi up` to fail over or back. */
  active: string;
  /** How clients reach the registry through the failover name: the preflight pulls as they will, with defaults, or `false` to leave that unchecked (FailoverRecord's `clients`). */
  clients?: FailoverRecordArgs["clients"];
  force?: pulumi.Input<boolean>;
  /**
   * For the time the standby serves: its direct copy runs backwards, from the standby to the
   * primary, so what is pushed to the standby meanwhile reaches the primary before the failback
   * (which is refused while the primary lacks any of it). Set it back to false once the primary
   * serves again.
   */
  reverse?: boolean;
}

/**
 * The direct path on events: a SyncWatcher (Kubernetes, the component's provider) that copies
 * each push to every direct-path site within seconds, and on a Harbor primary one
 * HarborWebhookPolicy per protected project pointing Harbor at it. The scheduled ImageSync
 * stays: the watcher's resync is its safety net, `pulumi up` the reviewed one.
 */
export interface DisasterRecoveryWatchArgs {
  /** The registry-dr container image, such as registry.example.com/tools/registry-dr:0.1.0. */
  image: pulumi.Input<string>;
  /** The Kubernetes namespace of the watcher; default the provider's. */
  namespace?: pulumi.Input<string>;
  /** The secret Harbor (or a registry's notifications) presents; at least 16 characters. Stored as a secret. */
  sharedSecret: pulumi.Input<string>;
  /** Between the watcher's full resyncs; default 900. */
  resyncIntervalSeconds?: number;
  /** Delete copies when Harbor deletes an artifact (the webhooks then send deletions too). */
  followDeletions?: boolean;
}

export interface RegistryDisasterRecoveryArgs {
  primary: PrimaryArgs;
  /** What is protected, chosen once for every site. */
  protect: RepositorySelection;
  sites: Record<string, DisasterRecoverySiteArgs>;
  failover?: DisasterRecoveryFailoverArgs;
  watch?: DisasterRecoveryWatchArgs;
}

/** Where one site stands after the last copy. */
export interface SiteReadinessSummary {
  path: "harbor" | "direct";
  /** Images (direct) or repositories (harbor run tasks) copied and in place. */
  present: number;
  /** Not copied: missing at the site, or a failed task. */
  missing: number;
  /** Present with another digest than the primary's. */
  differs: number;
  /** When the last copy finished: the site holds the primary's images as of then (its recovery point). */
  copiedAt: string;
  /**
   * Since when the site has lacked an image the primary has (ISO 8601; "" when it lacks none):
   * the age of the oldest missing tag, kept across refreshes, is how far the site lags.
   */
  oldestMissingSince: string;
}

export class RegistryDisasterRecovery extends pulumi.ComponentResource {
  /** Per site: the registry host and namespace the copies are in. */
  readonly endpoints: pulumi.Output<Record<string, { registry: string; namespace: string }>>;
  /** Per site: what the last copy left there. */
  readonly readiness: pulumi.Output<Record<string, SiteReadinessSummary>>;
  /** "primary" or the site the failover record points at. */
  readonly activeSite: pulumi.Output<string>;

  readonly siteEndpoints: Record<string, SiteEndpoint> = {};
  readonly copies: Record<string, ImageSync | { endpoint: HarborRegistry; policy: HarborReplicationPolicy; run: HarborReplicationRun }> = {};
  readonly record?: FailoverRecord;
  /** With `watch`: the watcher, and the Harbor webhook policies pointing at it (one per protected project). */
  readonly watcher?: SyncWatcher;
  readonly webhooks: HarborWebhookPolicy[] = [];

  constructor(name: string, args: RegistryDisasterRecoveryArgs, opts?: pulumi.ComponentResourceOptions) {
    // Before super: bad arguments fail the program without registering a half-built component.
    validateDisasterRecoveryArgs(name, args);
    super("registry-dr:index:RegistryDisasterRecovery", name, {}, opts);

    const primaryRegistry = pulumi.output(primaryAddress(args.primary)).apply(registryHostOf);
    const primaryAuth = this.primaryAuth(args.primary, primaryRegistry);
    const readiness: Record<string, pulumi.Output<SiteReadinessSummary>> = {};

    for (const [site, siteArgs] of Object.entries(args.sites)) {
      const endpoint = buildSiteEndpoint(`${name}-${site}`, siteArgs, this);
      this.siteEndpoints[site] = endpoint;
      const replication = siteArgs.replication;
      readiness[site] = replication.harbor
        ? this.harborPath(`${name}-${site}`, site, args, harborConnection(name, site, args.primary), replication.harbor, endpoint)
        : this.directPath(`${name}-${site}`, site, args, replication.direct, endpoint, primaryRegistry, primaryAuth);
    }

    this.endpoints = pulumi.output(
      Object.fromEntries(
        Object.entries(this.siteEndpoints).map(([site, endpoint]) => [
          site,
          pulumi.all([endpoint.registry, endpoint.namespace]).apply(([registry, namespace]) => ({ registry, namespace })),
        ]),
      ),
    ) as pulumi.Output<Record<string, { registry: string; namespace: string }>>;
    this.readiness = pulumi.output(readiness) as pulumi.Output<Record<string, SiteReadinessSummary>>;
    if (args.watch) this.watcher = this.watchPath(name, args, args.watch, primaryRegistry, primaryAuth);
    if (args.failover) {
      const standby = standbyOf(args.sites, args.failover);
      this.record = this.failoverRecord(name, args, args.failover, standby, primaryRegistry, primaryAuth);
      this.activeSite = this.record.active.apply((active) => (active === "secondary" ? standby : "primary"));
    } else {
      this.activeSite = pulumi.output("primary");
    }

    this.registerOutputs({ endpoints: this.endpoints, readiness: this.readiness, activeSite: this.activeSite });
  }

  private primaryAuth(primary: PrimaryArgs, registry: pulumi.Output<string>): pulumi.Output<Record<string, unknown>> {
    const login = primary.harbor ? { username: primary.harbor.username, password: primary.harbor.password, insecure: primary.harbor.insecure } : primary.auth;
    const insecureByUrl = pulumi.output(primaryAddress(primary)).apply((url) => url.startsWith("http://"));
    return pulumi.secret(
      pulumi
        .all([registry, login?.username, login?.password, login?.insecure, insecureByUrl, primaryTrust(primary)])
        .apply(([host, username, password, insecure, plainHttp, trust]) => ({
          [host]: {
            ...(username !== undefined && password !== undefined ? { username, password } : {}),
            ...(insecure || plainHttp ? { insecure: true } : {}),
            ...trust,
          },
        })),
    );
  }

  /** Harbor's replication: endpoint, push rule with the selection's filters, and a first run. */
  private harborPath(
    prefix: string,
    site: string,
    args: RegistryDisasterRecoveryArgs,
    connection: HarborConnectionArgs,
    harbor: HarborReplicationArgs,
    endpoint: SiteEndpoint,
  ): pulumi.Output<SiteReadinessSummary> {
    const harborEndpoint = endpoint.harborEndpoint.apply((given) => {
      if (!given) throw new Error(`RegistryDisasterRecovery: sites.${site}: the harbor path needs the site's credential (createAccessKey / createKey true)`);
      return given;
    });
    const registry = new HarborRegistry(
      `${prefix}-harbor-endpoint`,
      {
        // Named after the component and the site: two DR setups may share one Harbor.
        name: prefix,
        description: `registry-dr: DR site ${site}`,
        // Only the secret stays secret: the preview shows the endpoint's type, URL and access ID.
        type: pulumi.unsecret(harborEndpoint.type),
        url: pulumi.unsecret(harborEndpoint.url),
        accessKey: pulumi.unsecret(harborEndpoint.apply((given) => given.accessKey)) as pulumi.Output<string>,
        accessSecret: harborEndpoint.accessSecret as pulumi.Output<string>,
        insecure: pulumi.unsecret(harborEndpoint.apply((given) => given.insecure ?? false)),
        harbor: connection,
      },
      { parent: this, dependsOn: endpoint.target ? [endpoint.target] : [] },
    );
    const policy = new HarborReplicationPolicy(
      `${prefix}-replication-rule`,
      {
        name: prefix,
        description: `registry-dr: protected repositories to DR site ${site}`,
        direction: "push",
        remoteRegistryId: registry.registryId,
        destNamespace: endpoint.namespace,
        flatten: harbor.flatten ?? DEFAULT_FLATTEN,
        trigger: harbor.trigger ?? { type: "event_based" },
        filters: harborFilters(args.protect),
        replicateDeletion: harbor.replicateDeletion ?? false,
        override: harbor.override ?? true,
        speedKbps: harbor.speedKbps ?? -1,
        googleProject: endpoint.googleProject,
        harbor: connection,
      },
      { parent: this },
    );
    const run = new HarborReplicationRun(
      `${prefix}-replication-run`,
      {
        // The policy's id (its resource id): known in a preview that updates the rule, where the rule's outputs are not.
        policyId: policy.id.apply(Number),
        triggers: replicationRunTriggers(args.protect, endpoint.namespace, harbor),
        timeoutSeconds: harbor.runTimeoutSeconds,
        harbor: connection,
      },
      { parent: this },
    );
    this.copies[site] = { endpoint: registry, policy, run };
    return pulumi.all([run.succeed, run.failed, run.finishedAt]).apply(([succeed, failed, finishedAt]) => ({
      path: "harbor" as const,
      present: succeed ?? 0,
      missing: failed ?? 0,
      differs: 0,
      copiedAt: finishedAt ?? "",
      // Harbor's run is where a failed repository was last seen missing.
      oldestMissingSince: failed ? (finishedAt ?? "") : "",
    }));
  }

  /** A direct copy: ImageSync with the selection as image-syncer entries and the site's login. */
  private directPath(
    prefix: string,
    site: string,
    args: RegistryDisasterRecoveryArgs,
    direct: DirectReplicationArgs,
    endpoint: SiteEndpoint,
    primaryRegistry: pulumi.Output<string>,
    primaryAuth: pulumi.Output<Record<string, unknown>>,
  ): pulumi.Output<SiteReadinessSummary> {
    const images = pulumi
      .all([primaryRegistry, endpoint.registry, endpoint.namespace])
      .apply(([source, registry, namespace]) => directImages(args.protect, source, { registry, namespace, flatten: direct.flatten ?? DEFAULT_FLATTEN }));
    const sync = new ImageSync(
      `${prefix}-sync`,
      {
        auth: pulumi.secret(pulumi.all([primaryAuth, endpoint.syncAuth]).apply(([primary, site]) => ({ ...primary, ...site }))) as ImageSyncAuth,
        images,
        proc: direct.proc,
        retries: direct.retries,
        timeoutSeconds: direct.timeoutSeconds,
        ...(args.failover?.reverse && site === standbyOf(args.sites, args.failover) ? { reverse: true } : {}),
      },
      { parent: this, dependsOn: endpoint.target ? [endpoint.target] : [] },
    );
    this.copies[site] = sync;
    return sync.summary.apply((summary) => {
      // No summary before the first copy (an import, a failed create).
      const images = summary?.images ?? [];
      const count = (statuses: string[]) => images.filter((image) => statuses.includes(image.status)).length;
      const since = images
        .map((image) => image.missingSince)
        .filter((value): value is string => Boolean(value))
        .sort();
      return {
        path: "direct" as const,
        present: count(["synced", "skipped", "present"]),
        missing: count(["failed", "missing", "incomplete", "error"]),
        differs: count(["differs"]),
        copiedAt: summary?.syncedAt ?? "",
        oldestMissingSince: since[0] ?? "",
      };
    });
  }

  /** The watcher copying every push to the direct-path sites, and Harbor's webhooks pointing at it. */
  private watchPath(
    name: string,
    args: RegistryDisasterRecoveryArgs,
    watch: DisasterRecoveryWatchArgs,
    primaryRegistry: pulumi.Output<string>,
    primaryAuth: pulumi.Output<Record<string, unknown>>,
  ): SyncWatcher {
    const direct = Object.entries(args.sites).flatMap(([site, siteArgs]) =>
      siteArgs.replication.direct ? [{ site, flatten: siteArgs.replication.direct.flatten }] : [],
    );
    const perSite = direct.map(({ site, flatten }) => {
      const endpoint = this.siteEndpoints[site];
      return pulumi
        .all([primaryRegistry, endpoint.registry, endpoint.namespace])
        .apply(([source, registry, namespace]) => directImages(args.protect, source, { registry, namespace, flatten: flatten ?? DEFAULT_FLATTEN }));
    });
    const images = pulumi.all(perSite).apply(mergedImages);
    const auth = pulumi.secret(
      pulumi.all([primaryAuth, ...direct.map(({ site }) => this.siteEndpoints[site].syncAuth)]).apply((parts) => Object.assign({}, ...parts)),
    ) as ImageSyncAuth;
    const watcher = new SyncWatcher(
      watcherName(name),
      {
        image: watch.image,
        namespace: watch.namespace,
        sharedSecret: watch.sharedSecret,
        config: { images, auth },
        resyncIntervalSeconds: watch.resyncIntervalSeconds,
        followDeletions: watch.followDeletions,
      },
      { parent: this },
    );
    const harbor = args.primary.harbor;
    if (harbor)
      for (const project of protectedProjects(args.protect))
        this.webhooks.push(
          new HarborWebhookPolicy(
            `${name}-webhook-${project}`,
            {
              project,
              // Named after the component: two DR setups may watch one project.
              name: `registry-dr ${name}`,
              description: `registry-dr: pushes to the DR watcher of ${name}`,
              address: watcher.harborEventsUrl,
              secret: watch.sharedSecret,
              eventTypes: watch.followDeletions ? ["PUSH_ARTIFACT", "DELETE_ARTIFACT"] : ["PUSH_ARTIFACT"],
              harbor,
            },
            { parent: this, dependsOn: [watcher] },
          ),
        );
    return watcher;
  }

  /** The record between the primary and the standby; its readiness images are exactly what is copied there. */
  private failoverRecord(
    name: string,
    args: RegistryDisasterRecoveryArgs,
    failover: DisasterRecoveryFailoverArgs,
    standby: string,
    primaryRegistry: pulumi.Output<string>,
    primaryAuth: pulumi.Output<Record<string, unknown>>,
  ): FailoverRecord {
    const endpoint = this.siteEndpoints[standby];
    const flatten = flattenOf(args.sites[standby].replication);
    // The preflight checks what the sync can name: repositories and whole projects; other patterns are Harbor's alone.
    const named = {
      ...args.protect,
      repositories: args.protect.repositories.filter((entry) => !isRepositoryPattern(entry) || !directPatternProblem(entry, flatten)),
    };
    const readiness =
      named.repositories.length === 0
        ? undefined
        : pulumi.secret(
            pulumi
              .all([primaryRegistry, endpoint.registry, endpoint.namespace, primaryAuth, endpoint.syncAuth])
              .apply(([source, registry, namespace, primary, site]) => ({
                auth: { ...primary, ...site },
                images: directImages(named, source, { registry, namespace, flatten }),
              })),
          );
    const primaryProbe = primaryAddress(args.primary);
    const primaryInsecure = pulumi.output(args.primary.harbor?.insecure ?? args.primary.auth?.insecure ?? false);
    return new FailoverRecord(
      `${name}-record`,
      {
        ...this.recordPlacement(name, failover.record),
        sites: {
          primary: { value: failover.values.primary, registry: primaryProbe, insecure: primaryInsecure, ...primaryCas(args.primary) },
          secondary: { value: failover.values[standby], registry: endpoint.probe, insecure: endpoint.insecure, ...endpoint.trust },
        },
        active: failover.active === "primary" ? "primary" : "secondary",
        readiness: readiness as FailoverRecordArgs["readiness"],
        clients: failover.clients,
        force: failover.force,
      },
      { parent: this, dependsOn: Object.values(this.copies).map((copy): pulumi.Resource => (copy instanceof ImageSync ? copy : copy.run)) },
    );
  }

  /** The record's placement with the credentials of an explicit provider given to the component (the record cannot use a provider resource). */
  private recordPlacement(name: string, record: FailoverRecordPlacementArgs): FailoverRecordPlacementArgs {
    const describe = `RegistryDisasterRecovery ${name}: failover.record`;
    if (record.backend === "privatezone" || record.backend === "alidns")
      return { ...record, alicloud: alicloudCredentialsFor(this, describe, record.alicloud) } as FailoverRecordPlacementArgs;
    if (record.backend === "clouddns")
      return { ...record, google: cloudDnsSettingsFor(this, describe, record.google, undefined) } as FailoverRecordPlacementArgs;
    return record;
  }
}

type ImageSyncAuth = ConstructorParameters<typeof ImageSync>[1]["auth"];

/**
 * What starts another full run: what the rule replicates (the selection's filters, the
 * destination and its flattening), then the user's `runTriggers`. A rule whose filters widen
 * copies, with event-based triggers, only what is pushed after; the run copies what is there.
 */
function replicationRunTriggers(
  protect: RepositorySelection,
  namespace: pulumi.Output<string>,
  harbor: HarborReplicationArgs,
): Record<string, pulumi.Input<unknown>> {
  const replicated = namespace.apply((destination) => ({ filters: harborFilters(protect), destination, flatten: harbor.flatten ?? DEFAULT_FLATTEN }));
  return { replicated, ...(harbor.runTriggers ?? { generation: "1" }) };
}

/** One images map for several sites: a source copied to each site's destination. */
function mergedImages(maps: Record<string, string>[]): Record<string, string[]> {
  const merged: Record<string, string[]> = {};
  for (const map of maps) for (const [source, destination] of Object.entries(map)) (merged[source] ??= []).push(destination);
  return merged;
}

/** The Harbor projects the selection reads from: the first component of each repository or pattern. */
function protectedProjects(protect: RepositorySelection): string[] {
  return [...new Set(protect.repositories.map((repository) => repository.split("/")[0]))];
}

/** The site a failover record fails over to: the one named, or the only site. */
export function standbyOf(sites: RegistryDisasterRecoveryArgs["sites"], failover: Pick<DisasterRecoveryFailoverArgs, "standby">): string {
  return failover.standby ?? Object.keys(sites)[0];
}

/** The primary as a URL or "host[:port]": Harbor's URL, or the registry given. */
function primaryAddress(primary: PrimaryArgs): pulumi.Input<string> {
  return primary.harbor ? primary.harbor.url : primary.registry;
}

/** The primary's CA (and a Harbor's client certificate): the copies and the preflight read the primary with the trust it is reached with. */
function primaryTrust(primary: PrimaryArgs): pulumi.Output<Record<string, string>> {
  const given = primary.harbor ?? { ...primary.auth };
  const { caFile, ca } = given;
  const { certFile, keyFile, cert, key } = primary.harbor ?? {};
  return pulumi
    .all([caFile, ca, certFile, keyFile, cert, key])
    .apply(([caFile, ca, certFile, keyFile, cert, key]) =>
      Object.fromEntries(Object.entries({ caFile, ca, certFile, keyFile, cert, key }).filter((entry): entry is [string, string] => entry[1] !== undefined)),
    );
}

/** The primary site's CAs for the failover record (a site takes CAs only: the preflight presents no client certificate of the primary's). */
function primaryCas(primary: PrimaryArgs): { caFile?: pulumi.Input<string>; ca?: pulumi.Input<string> } {
  const { caFile, ca } = primary.harbor ?? { ...primary.auth };
  return { ...(caFile !== undefined ? { caFile } : {}), ...(ca !== undefined ? { ca } : {}) };
}

/** The Harbor whose replication serves a harbor-path site (the arguments' check has made sure there is one). */
function harborConnection(name: string, site: string, primary: PrimaryArgs): HarborConnectionArgs {
  if (!primary.harbor)
    throw new Error(
      `RegistryDisasterRecovery ${name}: sites.${site}.replication.harbor: expected primary.harbor: Harbor's replication runs in the primary Harbor`,
    );
  return primary.harbor;
}

/** How many levels of the primary's paths the site's copies drop. */
function flattenOf(replication: ReplicationArgs): number {
  return (replication.harbor ? replication.harbor.flatten : replication.direct.flatten) ?? DEFAULT_FLATTEN;
}

/**
 * Compiles only when the arguments, unwrapped, accept exactly what a stack's `registry-dr:plan`
 * may say (drPlanSchema): the plan and the component cannot drift apart.
 */
export type ArgsMatchPlan = SameShape<Unwrapped<RegistryDisasterRecoveryArgs>, z.input<ReturnType<typeof drPlanSchema>>>;
type Holds<Check extends true> = Check;
// Never used: its constraint is the check.
// biome-ignore lint/correctness/noUnusedVariables: the type's constraint is the compile-time check
type ArgsMatchPlanHolds = Holds<ArgsMatchPlan>;
