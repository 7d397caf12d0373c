import { parseArgs } from "node:util";
import { ConfigError } from "../../provider/validation";
import { lineDiff, mapperFromJob, rewriteReferences, type ReferenceMapper } from "../../provider/rewrite";
import { planSiteMapper } from "../../components/disaster-recovery/plan-site-mapping";
import { CommandArguments, UsageError } from "../arguments";
import { loadSyncJob } from "../config-files";
import { findManifests, readManifest, replaceFiles, type Replacement } from "../manifest-files";
import { readPlanFile } from "./plan-check";

/**
 * `registry-dr rewrite`: point Kubernetes manifests and Helm values at a DR site, the step
 * Google's Harbor guide does with sed. The mapping is the sync's own (the same `--config` or
 * `--images` and `--registry`/`--namespace` defaults), so a manifest names exactly what the
 * copy put there.
 */

export const REWRITE_HELP = `Usage: registry-dr rewrite (--config FILE | --images FILE | --plan STACK_FILE --site SITE) [flags] FILE|DIR...

Rewrites image references in Kubernetes manifests and Helm values (YAML) from the primary's
names to where the sync puts them: "image:" fields (containers, init containers, CronJobs,
anything) and Helm's repository/registry/tag keys. Digests (@sha256:...) are kept; comments
and layout are left as they are. Directories are searched for .yaml and .yml files; a symlink
in a directory leading out of it is skipped (said on stderr), and a file reached by several
names is rewritten once.

  --config FILE      the sync's image-syncer config (auth and images), or
  --images FILE      its images alone
  --registry HOST    default destination registry, for destinations given as "" (as sync)
  --namespace NS     default destination namespace, for destinations given as ""
  --plan STACK_FILE  instead of a sync config: the DR plan in a Pulumi stack file
                     (Harbor patterns such as library/** are mapped with the site's
                     flattening too); --site names the plan's site
  --site SITE        with --plan: the site to point at; with a sync config whose rules
                     have several destinations: the registry host (or host/namespace)
                     the destination starts with
  --check            only list references no rule copies; exit 1 when there are some
  --write            write the files (default: print a diff)
  -h, --help         show this help

Exit status: 0 done, 1 (--check) unmapped references, 2 bad input.
`;

const OPTIONS = {
  config: { type: "string" },
  plan: { type: "string" },
  images: { type: "string" },
  registry: { type: "string" },
  namespace: { type: "string" },
  site: { type: "string" },
  check: { type: "boolean" },
  write: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export async function rewriteCommand(argv: string[], signal?: AbortSignal): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split(". ")[0]} (see registry-dr rewrite --help)`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(REWRITE_HELP);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError("expected manifests or directories to rewrite");
  if (values.check && values.write) throw new UsageError("--check only reports: give --check or --write, not both");
  const map = values.plan
    ? planMapper(values.plan, values.site, values)
    : mapperFromJob(
        loadSyncJob({ config: values.config, images: values.images, registry: values.registry, namespace: values.namespace } as CommandArguments),
        values.site,
      );
  let unmapped = 0;
  const replacements: (Replacement & { count: number })[] = [];
  const { files, skipped } = findManifests(positionals);
  for (const reason of skipped) process.stderr.write(`registry-dr rewrite: ${reason}\n`);
  for (const file of files) {
    // A turn of the event loop between files, so Ctrl-C or SIGTERM is seen, and stops before anything is written.
    await new Promise((resolve) => setImmediate(resolve));
    if (signal?.aborted) throw new UsageError(`interrupted before ${file}; nothing was written`);
    const before = readManifest(file);
    let result;
    try {
      result = rewriteReferences(before, map);
    } catch (error) {
      throw new UsageError(`${file}: ${(error as Error).message}`);
    }
    for (const missing of result.unmapped) process.stdout.write(`${file}:${missing.line}: ${missing.reference}: no sync rule copies this image\n`);
    unmapped += result.unmapped.length;
    if (values.check) continue;
    if (values.write) replacements.push({ file, text: result.text, count: result.changes.length });
    else process.stdout.write(lineDiff(file, before, result.text));
  }
  // Every file is read and rewritten before any is written: a bad one changes nothing.
  replaceFiles(replacements.filter((replacement) => replacement.count > 0));
  for (const { file, count } of replacements) process.stdout.write(`${file}: ${count} reference(s) rewritten\n`);
  return values.check && unmapped > 0 ? 1 : 0;
}

function planMapper(file: string, site: string | undefined, others: Record<string, unknown>): ReferenceMapper {
  if (!site) throw new UsageError("--plan needs --site NAME: the site to point the manifests at");
  if (others.config || others.images || others.registry || others.namespace)
    throw new UsageError("--plan replaces --config, --images, --registry and --namespace: give one or the other");
  try {
    return planSiteMapper(readPlanFile(file), site);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof UsageError) throw error;
    throw new UsageError(`${file}: ${(error as Error).message}`);
  }
}
