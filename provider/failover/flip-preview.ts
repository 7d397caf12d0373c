import { sameRecordValue } from "../clients/record-value";
import { clientZoneName, failoverSiteOf, needsZoneName } from "./client-settings";
import { preflightVerdict, runFailoverPreflight } from "./failover-preflight";
import { FailoverRecordInputs, readinessJob, readinessPlatforms } from "./failover-record-schema";
import { Say, describeRecord, desiredValue } from "./failover-switch";
import { recordRedactor } from "./record-secrets";
import { withRecordStore } from "./record-stores";

/**
 * What a flip would do, for whoever reviews it before it happens (`pulumi preview`): where the
 * name will point, and whether the site it moves to would pass the preflight now. Read-only:
 * the preflight only asks the registry, and nothing is written anywhere.
 */
export async function describeFlip(
  inputs: FailoverRecordInputs,
  currentValue: string | undefined,
  say: Say,
  options: { preflight: boolean; signal?: AbortSignal },
): Promise<void> {
  const target = desiredValue(inputs);
  if (sameRecordValue(inputs.type, currentValue, target)) return;
  const redact = recordRedactor(inputs);
  const site = inputs.sites[inputs.active];
  say(`will switch ${describeRecord(inputs)}: ${currentValue ?? "(no record)"} -> ${target}, the ${inputs.active} site (${site.registry})`);
  if (!options.preflight) {
    say("preflight not run at preview: it runs before the switch");
    return;
  }
  try {
    const zoneName = await previewZoneName(inputs);
    const preflight = await runFailoverPreflight(failoverSiteOf(inputs, inputs.active, zoneName), readinessJob(inputs), inputs.force ?? false, {
      signal: options.signal,
      platforms: readinessPlatforms(inputs),
      failbackFrom: inputs.active === "primary" && currentValue !== undefined ? failoverSiteOf(inputs, "secondary", zoneName) : undefined,
    });
    if (preflight.clientsNotChecked) say(`preflight ${preflight.clientsNotChecked}`);
    for (const problem of preflight.problems) say(redact(`preflight ${problem}`));
    say(`${preflightVerdict(preflight)}${preflight.problems.length > 0 && !inputs.force ? ": the switch would be refused" : ""}`);
  } catch (error) {
    say(redact(`preflight could not be run at preview (${(error as Error).message}): it runs again before the switch`));
  }
}

/** The zone's DNS name where the client view needs it (a read of the zone, nothing written); no record store opened otherwise. */
async function previewZoneName(inputs: FailoverRecordInputs): Promise<string | undefined> {
  return needsZoneName(inputs) ? withRecordStore(inputs, (records) => clientZoneName(inputs, records)) : undefined;
}
