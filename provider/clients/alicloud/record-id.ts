import { AlicloudApiError } from "./alicloud-errors";
import { AlicloudProduct } from "./alicloud-products";
import { AlicloudClient } from "./openapi-client";

/**
 * A DNS record id from Alibaba's answer. Both PrivateZone and Alibaba Cloud DNS number their
 * records; the id goes into state and into later calls, so anything but digits is refused
 * here rather than carried along.
 */
export function recordIdFrom(value: unknown, client: AlicloudClient, product: AlicloudProduct, action: string): string {
  const text = typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? String(value) : value;
  if (typeof text === "string" && /^[0-9]{1,20}$/.test(text)) return text;
  const shown = typeof value === "string" ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value) : String(value);
  throw new AlicloudApiError(`${product} ${action}: expected a RecordId of digits in the answer, got ${shown}`, {
    product,
    action,
    host: client.endpoint(product).host,
  });
}
