import { RUN_SETTINGS } from "../provider/sync/run-settings";

// Defaults and bounds come from the run settings' one declaration.
const { proc, retries } = RUN_SETTINGS;
const minRate = RUN_SETTINGS.minTransferRate.default;
const longestDays = Math.floor(RUN_SETTINGS.timeoutSeconds.max / 86_400);

export const MAIN_HELP = `registry-dr: copy container images between registries, and check the copy.

Usage:
  registry-dr sync   [flags]   copy images (a drop-in for image-syncer)
  registry-dr verify [flags]   report per tag whether the destination image can be pulled
  registry-dr watch  [flags]   copy each image seconds after it is pushed (events, metrics)
  registry-dr failover --record FILE --to SITE
                               switch a failover DNS record without Pulumi (break glass)
  registry-dr failover status --record FILE
                               where the record points, and whether each site is ready
  registry-dr plan check STACK_FILE
                               check the DR plan in a Pulumi stack file, offline
  registry-dr rewrite --config FILE FILE|DIR...
                               point Kubernetes manifests and Helm values at the copies
  registry-dr help [command]   show help
  registry-dr --version

Run "registry-dr <command> --help" for the flags.
`;

const INPUT_FLAGS = `Inputs (image-syncer's format, JSON or YAML):
  --config FILE          one file with "auth" and "images"
  --auth FILE            registry (or registry/namespace) -> {username, password, insecure},
                         {identityToken} (an OAuth2 refresh token), {token}, or {alicloud:
                         {instanceId, region}} (ACR temporary logins from
                         ALICLOUD_ACCESS_KEY/ALICLOUD_SECRET_KEY), or {google:
                         {serviceAccountKeyFile}} or username _oauth2_ with the base64 key
                         as password (Artifact Registry access tokens); any entry may add
                         caFile (or ca, PEM) for a private CA, and certFile and keyFile
                         (or cert and key) for a client certificate (mTLS); relative
                         paths are read beside the file naming them
  --images FILE          source -> destination, or a list of destinations
  --registry HOST        default destination registry, for destinations given as ""
  --namespace NS         default destination namespace, for destinations given as ""
  --os LIST              copy only these OSes of multi-arch images (comma-separated):
                         linux, or os:osversion such as windows:10.0.17763.1999
  --arch LIST            copy only these architectures: amd64, or arch:variant such as
                         arm:v7 (arm/v7 too)
  --no-referrers         leave cosign tags (sha256-<hex>.sig/.att/.sbom) and OCI referrers
                         (signatures, SBOMs, attestations) behind; by default they travel
                         with each image and verify checks them
  --shard I/N            copy only shard I (0 to N-1) of N: repositories split by a hash of
                         their name, so N runs on N machines together copy the job once
  -p, --proc N           images copied at once (default ${proc.default}, at most ${proc.max})
  -r, --retries N        extra rounds for images that failed transiently (default ${retries.default},
                         at most ${retries.max})
  --timeout DURATION     stop after this long (90s, 30m, 2h, 7d; at most ${longestDays}d); unfinished
                         images fail
  --max-rps N            at most N requests a second to each registry (Artifact Registry
                         quotas); 429 answers are retried after their Retry-After anyway
  --cert-dir DIR         CAs and client certificates per registry, in docker's certs.d
                         layout (as skopeo takes it): DIR/<host[:port]>/*.crt are CAs,
                         client.cert and client.key a client certificate
  -h, --help             show this help`;

export const SYNC_HELP = `Usage: registry-dr sync [flags]

Copies every image the rules select. An image whose destination already holds the
source digest is skipped; digests are preserved byte for byte.

Sources: "registry/repo" (all tags), "registry/repo:tag", "registry/repo:t1,t2",
"registry/repo@sha256:...", "registry/repo:/regex/", Harbor's tag globs "registry/repo:v*";
whole projects "registry/project/**" (every repository below) or "registry/project/*"
(one level), from the catalog or, on a Harbor that refuses it, Harbor's API.

${INPUT_FLAGS}
  --force                push manifests even when the destination has them
  --reverse              copy from the destinations back to the sources (after a failover,
                         what was pushed to the standby while it served): every tag of each
                         destination repository goes back to its source repository; a tag
                         both hold as different images is a conflict, listed and kept on
                         both sides (exit 1); mappings that cannot run backwards (several
                         sources into one destination, renamed tags, flattened projects) are
                         refused by name
  --from REGISTRY        with --reverse: copy back only from this registry (the site that
                         served), for rules with several destinations
  --repair               also check every child manifest and blob under tags that are
                         up to date, and re-copy what is missing (a request per blob)
  --min-rate RATE[,WINDOW]
                         fail a blob transfer slower than RATE per second over WINDOW,
                         naming the slow registry (default ${minRate.bytesPerSecond / 1024}KiB,${minRate.windowSeconds}s; 0 turns it off)
  --log FILE             write per-image lines to FILE (appended) instead of the terminal
  --failed-images FILE   where to write failed images, as an --images file to retry
                         (default failed-images.json, written only when some failed)
  --output-success-images FILE
                         write the images that were synced or up to date to FILE, as an
                         --images file (image-syncer's flag)
  --output-images-format json|yaml
                         the format of that file (default json)

Exit status: 0 all images synced or up to date, 1 some failed, 2 bad input.

Example (image-syncer's command line, program name changed):
  registry-dr sync --proc=10 --config=./harbor-to-acr.json \\
    --registry=registry.cn-beijing.aliyuncs.com --namespace=image-syncer --retries=10 --log=./log
`;

export const VERIFY_HELP = `Usage: registry-dr verify [flags]

Checks, per tag, that each destination can be pulled: it holds the source's digest and
every child manifest and blob under it. Per tag: present, incomplete (with what is
missing), missing, or differs. Reads the same files and flags as sync and changes nothing.

${INPUT_FLAGS}
  --shallow              compare tag digests only (two requests a tag), for frequent runs
  --reverse [--from REGISTRY]
                         check the other direction: whether each source holds every tag of
                         its destination (what sync --reverse would copy back)
  --json                 print the report as JSON
  --metrics-file FILE    also write the recovery point per site (registry_dr_recovery_point_seconds,
                         registry_dr_images_missing) to FILE in Prometheus' text format, for
                         node_exporter's textfile collector; FILE.missing-since.json beside it
                         keeps when each missing image was first found missing

Exit status: 0 every destination image is present, 1 something is incomplete, missing or
differs, or could not be checked, 2 bad input.
`;

export const WATCH_HELP = `Usage: registry-dr watch [flags]

Runs until stopped, copying each image the config selects seconds after it is pushed:
registries send their events here, and every image they name that the rules select is
copied as sync copies it. A full resync runs at start and every --resync-interval, so a
missed event or a restart loses nothing. Events for images the rules do not select copy
nothing.

Endpoints:
  POST /events/distribution   distribution's notifications: in the registry's config,
                              notifications.endpoints[].url http://WATCHER:8480/events/distribution
                              with headers: {Authorization: [Bearer SECRET]}
  POST /events/harbor         Harbor's webhooks (artifact pushed; artifact deleted with
                              --follow-deletions), Auth Header "Bearer SECRET"
  GET  /metrics               Prometheus metrics: registry_dr_recovery_point_seconds per site,
                              copies, failures, bytes, queue depth, the last resync
  GET  /healthz, /readyz      alive; ready once the first resync has finished
An event URL may end in ?registry=HOST to name the registry its events come from (the
host the rules' sources use), when the registry is reached under another name.

The shared secret is read from REGISTRY_DR_WATCH_SECRET (at least 16 characters); a
request without it is refused (401) and logged without its body.

${INPUT_FLAGS.replace(/ {2}--timeout DURATION[^\n]*\n[^\n]*\n/, "").replace(/ {2}--shard I\/N[^\n]*\n[^\n]*\n/, "")}
  --listen HOST:PORT     where to take events and scrapes (default 127.0.0.1:8480; in a
                         container 0.0.0.0:8480)
  --resync-interval DURATION
                         between full resyncs (default 15m, at least 10s)
  --queue N              images waiting at most (default 10000); when full, senders are
                         answered 503 with Retry-After and send again
  --follow-deletions     a deletion at the source deletes the copies (by digest); copies
                         are kept by default
  --min-rate RATE[,WINDOW]
                         as for sync

SIGTERM or Ctrl-C stops taking events and lets queued copies finish (at most 60 s).
Exit status: 0 stopped after every queued copy finished, 1 copies were cancelled, 2 bad input.
`;
