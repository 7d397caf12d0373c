export * as oci from "./clients/oci";
export * as harbor from "./clients/harbor";
export * as alicloud from "./clients/alicloud";
export * as google from "./clients/google";
export * as dns from "./clients/dns";
export * from "./sync";
export * from "./failover";
export * from "./validation";
// Resources (which load @pulumi/pulumi, about a second of start-up) are not exported here: see entry/.
