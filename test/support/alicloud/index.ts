export { startAlicloudStandIn } from "./alicloud-stand-in";
export type { AlicloudRequestLog, AlicloudStandIn, AlicloudStandInOptions, StandInProduct } from "./alicloud-stand-in";
export { ACR_TEMP_USERNAME } from "./acr-api";
export { Acs3Verifier } from "./acs3-verifier";
