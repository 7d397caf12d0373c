import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { authFileText, imagesFileText } from "./sync-config-files";
import { POD_FILES, watchCommandArguments } from "./sync-flags";
import { SyncWatcherArgs, validateSyncWatcherArgs } from "./sync-watcher-args";

/**
 * SyncWatcher: `registry-dr watch` as a Kubernetes service, beside SyncSchedule. Registries send
 * their push events to its Service (distribution's notifications, Harbor's webhooks: see
 * HarborWebhookPolicy); it copies each selected image seconds after the push, resyncs every
 * interval as the safety net, and serves the recovery point on /metrics. One replica: copies are
 * idempotent, so the moment two overlap in a rolling update costs nothing but requests.
 */

const CONTAINER = "watch";
const AUTH_KEY = "auth.json";
const IMAGES_KEY = "images.json";
const SECRET_KEY = "shared-secret";
const DEFAULT_PORT = 8480;
const DEFAULT_RESOURCES = { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "1Gi" } };

export class SyncWatcher extends pulumi.ComponentResource {
  readonly deploymentName: pulumi.Output<string>;
  readonly serviceName: pulumi.Output<string>;
  readonly namespace: pulumi.Output<string>;
  /** Where distribution's notifications go (its config's `notifications.endpoints[].url`), inside the cluster. */
  readonly distributionEventsUrl: pulumi.Output<string>;
  /** Where Harbor's webhooks go (HarborWebhookPolicy's `address`), inside the cluster. */
  readonly harborEventsUrl: pulumi.Output<string>;

  readonly configMap: k8s.core.v1.ConfigMap;
  readonly secret: k8s.core.v1.Secret;
  readonly deployment: k8s.apps.v1.Deployment;
  readonly service: k8s.core.v1.Service;

  constructor(name: string, args: SyncWatcherArgs, opts?: pulumi.ComponentResourceOptions) {
    validateSyncWatcherArgs(name, args);
    super("registry-dr:kubernetes:SyncWatcher", name, {}, opts);

    const port = args.port ?? DEFAULT_PORT;
    const labels = { "app.kubernetes.io/name": "registry-dr", "app.kubernetes.io/instance": name, "app.kubernetes.io/component": "watch" };
    const metadata = { namespace: args.namespace, labels };
    const source = `SyncWatcher ${name}: config`;
    const flags = args.sync ?? {};

    const imagesText = pulumi
      .all([args.config.images, flags.registry, flags.namespace])
      .apply(([images, registry, namespace]) => imagesFileText(images, { registry, namespace }, source));
    this.configMap = new k8s.core.v1.ConfigMap(`${name}-images`, { metadata, data: { [IMAGES_KEY]: imagesText } }, { parent: this });

    // One Secret: the shared secret always, the auth file when given here.
    const authText =
      args.config.auth === undefined
        ? undefined
        : pulumi.output(args.config.auth).apply((auth) => authFileText(auth, args.environmentSecret !== undefined, source));
    this.secret = new k8s.core.v1.Secret(
      `${name}-watch`,
      {
        metadata,
        type: "Opaque",
        stringData: { [SECRET_KEY]: pulumi.secret(args.sharedSecret), ...(authText ? { [AUTH_KEY]: pulumi.secret(authText) } : {}) },
      },
      { parent: this },
    );
    const authVolume = authText
      ? { secretName: this.secret.metadata.name, key: AUTH_KEY }
      : args.authSecret && { secretName: args.authSecret.name, key: args.authSecret.key ?? AUTH_KEY };

    const probe = (path: string, periodSeconds: number) => ({ httpGet: { path, port: "http" }, periodSeconds, timeoutSeconds: 2 });
    const container: k8s.types.input.core.v1.Container = {
      name: CONTAINER,
      image: args.image,
      imagePullPolicy: args.imagePullPolicy,
      command: ["registry-dr"],
      args: watchCommandArguments(
        flags,
        { port, resyncIntervalSeconds: args.resyncIntervalSeconds, queue: args.queue, followDeletions: args.followDeletions },
        authVolume !== undefined,
      ),
      env: [{ name: "REGISTRY_DR_WATCH_SECRET", valueFrom: { secretKeyRef: { name: this.secret.metadata.name, key: SECRET_KEY } } }],
      envFrom: args.environmentSecret === undefined ? undefined : [{ secretRef: { name: args.environmentSecret } }],
      ports: [{ name: "http", containerPort: port, protocol: "TCP" }],
      livenessProbe: probe("/healthz", 20),
      // Ready once the first resync has finished: until then the standby's state is not known.
      readinessProbe: probe("/readyz", 5),
      startupProbe: { ...probe("/healthz", 2), failureThreshold: 30 },
      resources: args.resources ?? DEFAULT_RESOURCES,
      securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
      volumeMounts: [
        { name: "images", mountPath: dirOf(POD_FILES.images), readOnly: true },
        ...(authVolume ? [{ name: "auth", mountPath: dirOf(POD_FILES.auth), readOnly: true }] : []),
        { name: "tmp", mountPath: "/tmp" },
      ],
    };
    const volumes: k8s.types.input.core.v1.Volume[] = [
      { name: "images", configMap: { name: this.configMap.metadata.name, items: [{ key: IMAGES_KEY, path: IMAGES_KEY }] } },
      ...(authVolume ? [{ name: "auth", secret: { secretName: authVolume.secretName, items: [{ key: authVolume.key, path: AUTH_KEY }] } }] : []),
      { name: "tmp", emptyDir: {} },
    ];

    this.deployment = new k8s.apps.v1.Deployment(
      `${name}-watch`,
      {
        metadata,
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          // The new pod is ready before the old one stops: events always have a receiver.
          strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: args.serviceAccountName,
              automountServiceAccountToken: false,
              imagePullSecrets: args.imagePullSecrets?.map((secret) => ({ name: secret })),
              securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
              // SIGTERM drains queued copies for up to 60 s.
              terminationGracePeriodSeconds: 75,
              containers: [container],
              volumes,
            },
          },
        },
      },
      { parent: this },
    );
    this.service = new k8s.core.v1.Service(
      `${name}-watch`,
      { metadata, spec: { selector: labels, ports: [{ name: "http", port, targetPort: "http", protocol: "TCP" }] } },
      { parent: this },
    );

    this.deploymentName = this.deployment.metadata.name;
    this.serviceName = this.service.metadata.name;
    this.namespace = this.service.metadata.namespace;
    const base = pulumi.interpolate`http://${this.service.metadata.name}.${this.service.metadata.namespace}.svc:${port}`;
    this.distributionEventsUrl = pulumi.interpolate`${base}/events/distribution`;
    this.harborEventsUrl = pulumi.interpolate`${base}/events/harbor`;

    this.registerOutputs({
      deploymentName: this.deploymentName,
      serviceName: this.serviceName,
      namespace: this.namespace,
      distributionEventsUrl: this.distributionEventsUrl,
      harborEventsUrl: this.harborEventsUrl,
    });
  }
}

function dirOf(file: string): string {
  return file.slice(0, file.lastIndexOf("/"));
}
