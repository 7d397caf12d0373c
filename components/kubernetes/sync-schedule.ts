import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { authFileText, imagesFileText } from "./sync-config-files";
import { COMPLETION_INDEX_VARIABLE, POD_FILES, syncCommandArguments } from "./sync-flags";
import { SyncScheduleArgs, validateSyncScheduleArgs } from "./sync-schedule-args";

/**
 * SyncSchedule: `registry-dr sync` run on a schedule in Kubernetes, image-syncer's cron job as
 * a reviewed unit. A CronJob starts an Indexed Job of N pods; pod i runs
 * `registry-dr sync --shard i/N`, so N pods copy disjoint parts of the job (split by source
 * repository) and together the whole of it. The images are a ConfigMap, the credentials a
 * Secret mounted as the auth file (or an existing Secret, or environment variables for
 * `${NAME}` values): no credential is in the ConfigMap, the CronJob or the outputs.
 *
 * Runs outside the primary's failure domain are the point: put the cluster where the DR copy
 * is, not beside the Harbor it protects.
 */

const CONTAINER = "sync";
const AUTH_KEY = "auth.json";
const IMAGES_KEY = "images.json";
const DEFAULT_RESOURCES = { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "1Gi" } };
/** The command's exit status for bad input (flags, config): retrying the pod cannot help. */
const EXIT_BAD_INPUT = 2;

export class SyncSchedule extends pulumi.ComponentResource {
  readonly cronJobName: pulumi.Output<string>;
  readonly namespace: pulumi.Output<string>;
  readonly configMapName: pulumi.Output<string>;
  /** The Secret the pods read the auth file from (created or given); undefined without credentials. */
  readonly authSecretName: pulumi.Output<string | undefined>;
  readonly shards: number;

  readonly configMap: k8s.core.v1.ConfigMap;
  readonly authSecret?: k8s.core.v1.Secret;
  readonly cronJob: k8s.batch.v1.CronJob;

  constructor(name: string, args: SyncScheduleArgs, opts?: pulumi.ComponentResourceOptions) {
    // Before super: bad arguments fail the program without registering a half-built component.
    validateSyncScheduleArgs(name, args);
    super("registry-dr:kubernetes:SyncSchedule", name, {}, opts);

    this.shards = args.shards ?? 1;
    const labels = { "app.kubernetes.io/name": "registry-dr", "app.kubernetes.io/instance": name, "app.kubernetes.io/component": "sync" };
    const metadata = { namespace: args.namespace, labels };
    const source = `SyncSchedule ${name}: config`;
    const flags = args.sync ?? {};

    const imagesText = pulumi
      .all([args.config.images, flags.registry, flags.namespace])
      .apply(([images, registry, namespace]) => imagesFileText(images, { registry, namespace }, source));
    this.configMap = new k8s.core.v1.ConfigMap(`${name}-images`, { metadata, data: { [IMAGES_KEY]: imagesText } }, { parent: this });

    if (args.config.auth !== undefined) {
      const authText = pulumi.output(args.config.auth).apply((auth) => authFileText(auth, args.environmentSecret !== undefined, source));
      this.authSecret = new k8s.core.v1.Secret(
        `${name}-auth`,
        { metadata, type: "Opaque", stringData: { [AUTH_KEY]: pulumi.secret(authText) } },
        { parent: this },
      );
    }
    const authVolume = this.authSecret
      ? { secretName: this.authSecret.metadata.name, key: AUTH_KEY }
      : args.authSecret && { secretName: args.authSecret.name, key: args.authSecret.key ?? AUTH_KEY };

    const container: k8s.types.input.core.v1.Container = {
      name: CONTAINER,
      image: args.image,
      imagePullPolicy: args.imagePullPolicy,
      command: ["registry-dr"],
      args: syncCommandArguments(flags, this.shards, authVolume !== undefined),
      // Kubernetes sets it in Indexed Jobs too; declared so `$(...)` in args visibly has a source.
      env: [{ name: COMPLETION_INDEX_VARIABLE, valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } }],
      envFrom: args.environmentSecret === undefined ? undefined : [{ secretRef: { name: args.environmentSecret } }],
      resources: args.resources ?? DEFAULT_RESOURCES,
      securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
      volumeMounts: [
        { name: "images", mountPath: dirOf(POD_FILES.images), readOnly: true },
        ...(authVolume ? [{ name: "auth", mountPath: dirOf(POD_FILES.auth), readOnly: true }] : []),
        { name: "tmp", mountPath: dirOf(POD_FILES.failedImages) },
      ],
    };
    const volumes: k8s.types.input.core.v1.Volume[] = [
      { name: "images", configMap: { name: this.configMap.metadata.name, items: [{ key: IMAGES_KEY, path: IMAGES_KEY }] } },
      ...(authVolume ? [{ name: "auth", secret: { secretName: authVolume.secretName, items: [{ key: authVolume.key, path: AUTH_KEY }] } }] : []),
      { name: "tmp", emptyDir: {} },
    ];

    this.cronJob = new k8s.batch.v1.CronJob(
      `${name}-sync`,
      {
        metadata,
        spec: {
          schedule: args.schedule,
          timeZone: args.timeZone,
          concurrencyPolicy: args.concurrencyPolicy ?? "Forbid",
          suspend: args.suspend,
          startingDeadlineSeconds: args.startingDeadlineSeconds,
          successfulJobsHistoryLimit: args.successfulJobsHistoryLimit,
          failedJobsHistoryLimit: args.failedJobsHistoryLimit,
          jobTemplate: {
            metadata: { labels },
            spec: {
              completionMode: "Indexed",
              completions: this.shards,
              parallelism: this.shards,
              backoffLimit: args.backoffLimit,
              activeDeadlineSeconds: args.activeDeadlineSeconds,
              podFailurePolicy: {
                rules: [
                  { action: "FailJob", onExitCodes: { containerName: CONTAINER, operator: "In", values: [EXIT_BAD_INPUT] } },
                  // A drained node is not the run's fault: it does not use up the retries.
                  { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget" }] },
                ],
              },
              template: {
                metadata: { labels },
                spec: {
                  restartPolicy: "Never",
                  serviceAccountName: args.serviceAccountName,
                  // The pods talk to registries, never to the Kubernetes API.
                  automountServiceAccountToken: false,
                  imagePullSecrets: args.imagePullSecrets?.map((secret) => ({ name: secret })),
                  securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
                  containers: [container],
                  volumes,
                },
              },
            },
          },
        },
      },
      { parent: this },
    );

    this.cronJobName = this.cronJob.metadata.name;
    this.namespace = this.cronJob.metadata.namespace;
    this.configMapName = this.configMap.metadata.name;
    this.authSecretName = authVolume ? pulumi.output(authVolume.secretName) : pulumi.output<string | undefined>(undefined);

    this.registerOutputs({ cronJobName: this.cronJobName, namespace: this.namespace, configMapName: this.configMapName, authSecretName: this.authSecretName });
  }
}

function dirOf(file: string): string {
  return file.slice(0, file.lastIndexOf("/"));
}
