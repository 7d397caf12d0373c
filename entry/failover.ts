/**
 * `registry-dr/failover`: the Pulumi-free failover checks `registry-dr failover` runs before it
 * switches a record: is the standby ready to take the traffic.
 */
export { runFailoverPreflight } from "../provider/sync";
export type { FailoverPreflight, FailoverSite, FailoverSiteName } from "../provider/sync";
