import { z } from "zod";

/**
 * Alibaba Cloud identifiers as the APIs take them, one schema each, shared by the resources'
 * `check`, the components' argument checks and (being below both) the sync layer's config.
 * Functions: each caller gets a fresh schema.
 */

export const regionIdSchema = () =>
  z.string({ error: "expected a region id, such as cn-hangzhou" }).regex(/^[a-z]{2}-[a-z0-9-]+$/, { error: "expected a region id, such as cn-hangzhou" });

export const vpcIdSchema = () =>
  z.string({ error: "expected a VPC id, such as vpc-bp1abcdefg" }).regex(/^vpc-[a-z0-9]+$/, { error: "expected a VPC id, such as vpc-bp1abcdefg" });

export const vswitchIdSchema = () =>
  z
    .string({ error: "expected a vSwitch id, such as vsw-bp1s5fnvk4gn2tws03624" })
    .regex(/^vsw-[a-z0-9]+$/, { error: "expected a vSwitch id, such as vsw-bp1s5fnvk4gn2tws03624" });

export const acrInstanceIdSchema = () =>
  z
    .string({ error: "expected an ACR Enterprise Edition instance id, such as cri-kmsiwlxxdcvaduwb" })
    .regex(/^cri-[a-z0-9]+$/, { error: "expected an ACR Enterprise Edition instance id, such as cri-kmsiwlxxdcvaduwb" });

/** The instance's name, as in <instanceName>-registry.<region>.cr.aliyuncs.com. */
export const acrInstanceNameSchema = () =>
  z
    .string({ error: "expected the instance's name, as in <instanceName>-registry.<region>.cr.aliyuncs.com" })
    .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/i, { error: "expected the instance's name, as in <instanceName>-registry.<region>.cr.aliyuncs.com" });

/** ACR EE namespaces: 2-120 of a-z 0-9 _ - ., not starting or ending with a delimiter. */
export const acrNamespaceSchema = () => {
  const expected = "expected a namespace name of 2-120 lowercase letters, digits, '.', '_' or '-', starting and ending with a letter or digit";
  return z.string({ error: expected }).regex(/^[a-z0-9][a-z0-9._-]{0,118}[a-z0-9]$/, { error: expected });
};

/** RAM user names: 1-64 of letters, digits, . _ -, not starting with a hyphen. */
export const ramUserNameSchema = () => {
  const expected = "expected a RAM user name of 1-64 letters, digits, '.', '_' or '-', not starting with '-'";
  return z.string({ error: expected }).regex(/^[A-Za-z0-9._][A-Za-z0-9._-]{0,63}$/, { error: expected });
};

/** An IPv4 CIDR block, such as 203.0.113.0/24. */
export const ipv4CidrSchema = () => {
  const expected = "expected an IPv4 CIDR block such as 203.0.113.0/24 (a single address is 203.0.113.7/32)";
  return z.string({ error: expected }).refine(
    (value) => {
      const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
      return match?.slice(1, 5).every((part) => Number(part) <= 255) && Number(match[5]) <= 32;
    },
    { error: expected },
  );
};
