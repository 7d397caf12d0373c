/**
 * `registry-dr/failover`: the Pulumi-free failover switch `registry-dr failover` runs: the
 * record's settings (one variant per DNS backend), the preflight that proves a site ready
 * before a flip, and the switch itself over a zone-bound record store.
 */
export {
  runFailoverPreflight,
  checkFailback,
  checkSiteReadiness,
  failoverRecordSchema,
  withRecordStore,
  applyRecord,
  describeRecord,
  RecordOutsideZoneError,
} from "../provider/failover";
export type {
  FailoverPreflight,
  FailbackCheck,
  FailoverSite,
  FailoverSiteName,
  SiteReadiness,
  FailoverRecordInputs,
  FailoverBackend,
  FailoverRecordType,
  AppliedRecord,
  RecordStore,
  StoredRecord,
  RecordFields,
} from "../provider/failover";
