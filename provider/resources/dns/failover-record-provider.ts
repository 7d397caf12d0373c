import { MISSING_ALICLOUD_KEY, alicloudSettings, rememberAlicloudConfig } from "../../clients/alicloud";
import { MISSING_GOOGLE_KEY, googleSettings, rememberGoogleConfig } from "../../clients/google";
import {
  AppliedRecord,
  CloudDnsSettings,
  FailoverRecordInputs,
  MISSING_GOOGLE_PROJECT,
  applyRecord,
  checkRecordRules,
  cloudDnsProject,
  describeRecord,
  describeFlip,
  desiredValue,
  failoverRecordSchema,
  pickAdopted,
  sameRecordValue,
  siteHolding,
  withRecordStore,
} from "../../failover";
import { containsUnknown } from "../check-inputs";
import { defineDynamicResource } from "../define-dynamic-resource";
import { deleteUnlessGone } from "../delete-remote";
import { previewCheckSignal, previewChecksEnabled } from "../preview-checks";
import type { FailoverRecordArgs, FailoverRecordOutputs } from "./failover-record";

/**
 * FailoverRecord's provider, an adapter: Pulumi's check, diff, create, read, update and delete
 * mapped onto the failover switch (provider/failover), which writes the record, flips it only
 * after the preflight of the site it switches to, and reads it back after every write.
 */

export const failoverRecordDefinition = defineDynamicResource<FailoverRecordArgs, FailoverRecordOutputs>()({
  module: "dns",
  type: "FailoverRecord",
  schema: failoverRecordSchema,
  outputs: ["recordId", "activeTarget", "previousTarget", "switchedAt", "preflight", "createdByResource"],
  // The credentials alone: a preview shows the servers, sites and images a reviewer checks.
  secretInputs: [
    "readiness.auth",
    "alicloud.accessKey",
    "alicloud.secretKey",
    "alicloud.securityToken",
    "rfc2136.tsig",
    "google.serviceAccountKey",
    "clients.credential",
  ],
  /** Inputs that name a different record. */
  replaceOn: ["backend", "zone", "name", "type"],
  // Only a new type for the same name in the same zone collides (a CNAME shares its name with no
  // other record): a record moving to another zone or name is written there first, so the name
  // never goes unresolvable between the delete and the create.
  collides: (olds, news) => ["backend", "zone", "name"].every((key) => olds[key] === news[key]),
  configure(config) {
    rememberAlicloudConfig(config);
    rememberGoogleConfig(config);
  },
  check: checkRecordRules,
  preconditions(news) {
    if (news.backend === "rfc2136") return [];
    if (news.backend === "clouddns") return googlePreconditions(news.google as CloudDnsSettings | undefined);
    const settings = alicloudSettings(news.alicloud as FailoverRecordInputs["alicloud"]);
    return settings.accessKey || containsUnknown(news.alicloud) ? [] : [{ property: "alicloud", reason: MISSING_ALICLOUD_KEY }];
  },
  /** A record changed outside Pulumi (seen by refresh) differs from what `active` asks for. */
  alsoChanged: (olds, news) => olds.activeTarget !== undefined && !sameRecordValue(news.type, olds.activeTarget, desiredValue(news)),
  /** A flip's preview names where the name will point and the preflight's verdict there. */
  describeChange: (olds, news) => describeFlip(news, olds.activeTarget, console.log, { preflight: previewChecksEnabled(), signal: previewCheckSignal() }),

  async create(news) {
    return withRecordStore(news, async (records) => {
      const adopted = pickAdopted(records, news, await records.find(news.name));
      const outs = outputsOf(news, await applyRecord(records, news, adopted, adopted?.value), {}, !adopted);
      return { id: outs.recordId, outs };
    });
  },

  async update(id, olds, news) {
    return withRecordStore(news, async (records) => {
      // A record deleted outside Pulumi is written again, with a new id.
      const current = await records.get(id);
      return outputsOf(news, await applyRecord(records, news, current, olds.activeTarget), olds, current ? (olds.createdByResource ?? true) : true);
    });
  },

  async read(id, props) {
    if (!props.zone) return { id, props };
    const state = props as FailoverRecordOutputs;
    return withRecordStore(state, async (records) => {
      const current = await records.get(id);
      if (!current) return { id: "", props: {} };
      // The server's own spelling of the same name (case, the final dot) is no change.
      if (sameRecordValue(state.type, current.value, state.activeTarget)) return { id, props: { ...state, ttl: current.ttl } };
      console.log(`warning ${describeRecord(state)} was changed outside Pulumi: it holds ${current.value}, state says ${state.activeTarget}`);
      return {
        id,
        props: { ...state, ttl: current.ttl, activeTarget: current.value },
        inputs: { ...inputsOf(state), active: siteHolding(state, current.value) ?? current.value },
      };
    });
  },

  async delete(id, props) {
    if (props.createdByResource === false) {
      console.log(`leaving ${describeRecord(props)} in place: it was adopted, not created, by this resource`);
      return;
    }
    await withRecordStore(props, async (records) => {
      const current = await records.get(id);
      if (current)
        await deleteUnlessGone(
          () => records.delete(id, current),
          (said) => `${describeRecord(props)} (RecordId ${id}) cannot be deleted now: ${said}`,
        );
    });
  },
});

/** The provider the engine loads by this name from failover-record.js (see packaged-provider.ts); state names it. */
export const failoverRecordProvider = failoverRecordDefinition.provider;

function outputsOf(
  inputs: FailoverRecordInputs,
  applied: AppliedRecord,
  before: Partial<FailoverRecordOutputs>,
  createdByResource: boolean,
): FailoverRecordOutputs {
  return {
    ...inputs,
    schemaVersion: 1,
    recordId: applied.recordId,
    activeTarget: applied.activeTarget,
    previousTarget: applied.flipped ? (applied.previousValue ?? before.activeTarget ?? "") : (before.previousTarget ?? ""),
    switchedAt: applied.flipped ? new Date().toISOString() : (before.switchedAt ?? ""),
    preflight: applied.preflight ?? before.preflight,
    createdByResource,
  };
}

/**
 * The inputs as the record now stands, for the preview of the update that sets it back: the
 * engine shows a dynamic resource's change as its stored inputs against the program's, so
 * `active` names the site the record points at, or the value set by hand when it is neither's.
 */
function inputsOf(state: FailoverRecordOutputs): Record<string, unknown> {
  const { schemaVersion: _v, recordId: _r, activeTarget: _a, previousTarget: _p, switchedAt: _s, preflight: _f, createdByResource: _c, ...inputs } = state;
  return inputs;
}

/** A key and a project must come from somewhere: the input or the stack config. */
function googlePreconditions(google: CloudDnsSettings | undefined) {
  if (containsUnknown(google)) return [];
  try {
    if (!googleSettings(google).serviceAccountKey) return [{ property: "google", reason: MISSING_GOOGLE_KEY }];
    return cloudDnsProject(google) ? [] : [{ property: "google", reason: MISSING_GOOGLE_PROJECT }];
  } catch (error) {
    return [{ property: "google", reason: (error as Error).message }];
  }
}
