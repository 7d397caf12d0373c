import { z } from "zod";
import { isDigest, isValidRepository, isValidTag } from "../clients/oci";

/**
 * What a registry says happened, from distribution's notifications (the `notifications.endpoints`
 * of its config) and Harbor's project webhooks (the default payload and CloudEvents). The sender
 * is authenticated before these are read, yet every name is still checked against its grammar:
 * it reaches a URL, a log line and a metric label.
 */

export type EventAction = "push" | "delete";

export interface RegistryEvent {
  action: EventAction;
  /** The registry the image was pushed to, as the event names it ("host[:port]"). */
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
  /** When the registry says it happened (ms since the epoch); the arrival time where it says nothing usable. */
  occurredAt: number;
}

/** The events of one request, and why each event left out was left out. */
export interface ReadEvents {
  events: RegistryEvent[];
  ignored: string[];
}

/** At most this many events are read from one request; distribution sends a few at a time. */
export const MAX_EVENTS_PER_REQUEST = 1000;

const distributionEnvelope = z.looseObject({
  events: z
    .array(
      z.looseObject({
        action: z.string(),
        timestamp: z.string().optional(),
        target: z.looseObject({
          mediaType: z.string().optional(),
          digest: z.string().optional(),
          repository: z.string(),
          tag: z.string().optional(),
        }),
        request: z.looseObject({ host: z.string().optional() }).optional(),
      }),
    )
    .max(MAX_EVENTS_PER_REQUEST),
});

/** Manifest media types: distribution also notifies blob pushes and pulls, which name no image. */
const MANIFEST_TYPE = /^application\/vnd\.(oci\.image\.(manifest|index)\.v1|docker\.distribution\.manifest\.(v2|list\.v2))\+json$/;

/** Reads distribution's notification envelope (`application/vnd.docker.distribution.events.v1+json`). */
export function distributionEvents(body: unknown, registry: string | undefined, receivedAt: number): ReadEvents {
  const envelope = parseOrThrow(distributionEnvelope, body, "a distribution notification envelope: {events: [{action, target: {repository, tag?, digest?}}]}");
  const read: ReadEvents = { events: [], ignored: [] };
  for (const event of envelope.events) {
    if (event.action === "pull") continue;
    if (event.action === "push" && (event.target.tag === undefined || !MANIFEST_TYPE.test(event.target.mediaType ?? ""))) continue;
    if (event.action !== "push" && event.action !== "delete") continue;
    add(read, {
      action: event.action,
      registry: registry ?? event.request?.host ?? "",
      repository: event.target.repository,
      tag: event.target.tag,
      digest: event.target.digest,
      occurredAt: timeOf(event.timestamp, receivedAt),
    });
  }
  return read;
}

const harborEventData = z.looseObject({
  resources: z
    .array(z.looseObject({ digest: z.string().optional(), tag: z.string().optional(), resource_url: z.string().optional() }))
    .max(MAX_EVENTS_PER_REQUEST),
  repository: z.looseObject({ repo_full_name: z.string() }),
});

/** Harbor's own payload format, and the CloudEvents one it offers since 2.8. */
const harborDefault = z.looseObject({ type: z.string(), occur_at: z.number().optional(), event_data: harborEventData });
const harborCloudEvent = z.looseObject({ specversion: z.string(), type: z.string(), time: z.string().optional(), data: harborEventData });

/** Harbor's event types, default payload and CloudEvents, that registry-dr acts on. */
const HARBOR_ACTIONS: Record<string, EventAction> = {
  PUSH_ARTIFACT: "push",
  DELETE_ARTIFACT: "delete",
  "harbor.artifact.pushed": "push",
  "harbor.artifact.deleted": "delete",
};

/** Reads a Harbor webhook payload (default format or CloudEvents). */
export function harborEvents(body: unknown, registry: string | undefined, receivedAt: number): ReadEvents {
  const cloudEvent = harborCloudEvent.safeParse(body);
  const expected = "a Harbor webhook payload: {type, occur_at, event_data: {resources, repository}}, or its CloudEvents form";
  const payload = cloudEvent.success
    ? { type: cloudEvent.data.type, data: cloudEvent.data.data, occurredAt: timeOf(cloudEvent.data.time, receivedAt) }
    : harborPayloadOf(parseOrThrow(harborDefault, body, expected), receivedAt);
  const action = Object.hasOwn(HARBOR_ACTIONS, payload.type) ? HARBOR_ACTIONS[payload.type] : undefined;
  const read: ReadEvents = { events: [], ignored: [] };
  if (!action) return read;
  const { data, occurredAt } = payload;
  for (const resource of data.resources)
    add(read, {
      action,
      registry: registry ?? hostOf(resource.resource_url) ?? "",
      repository: data.repository.repo_full_name,
      tag: resource.tag || undefined,
      digest: resource.digest,
      occurredAt: Math.min(occurredAt, receivedAt),
    });
  return read;
}

function harborPayloadOf(payload: z.infer<typeof harborDefault>, receivedAt: number) {
  const occurredAt = payload.occur_at !== undefined && Number.isFinite(payload.occur_at) ? payload.occur_at * 1000 : receivedAt;
  return { type: payload.type, data: payload.event_data, occurredAt };
}

/** Thrown when a request's body is not the payload its endpoint takes. */
export class EventFormatError extends Error {
  override name = "EventFormatError";
}

function parseOrThrow<T>(schema: z.ZodType<T>, body: unknown, expected: string): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new EventFormatError(`expected ${expected}`);
  return parsed.data;
}

/** Keeps the event if every name in it is well formed; otherwise says why, without quoting more than a short, printable prefix. */
function add(read: ReadEvents, event: RegistryEvent): void {
  const problem = eventProblem(event);
  if (problem) read.ignored.push(problem);
  else read.events.push(event);
}

function eventProblem(event: RegistryEvent): string | undefined {
  if (!isRegistryHost(event.registry)) return `an event names no registry host (got ${quoted(event.registry)}): add ?registry=HOST to the endpoint's URL`;
  if (!isValidRepository(event.repository)) return `an event names an invalid repository ${quoted(event.repository)}`;
  if (event.tag !== undefined && !isValidTag(event.tag)) return `an event for ${event.repository} names an invalid tag ${quoted(event.tag)}`;
  if (event.digest !== undefined && !isDigest(event.digest)) return `an event for ${event.repository} names an invalid digest ${quoted(event.digest)}`;
  if (event.action === "push" && event.tag === undefined) return `a push to ${event.repository} names no tag`;
  if (event.action === "delete" && event.digest === undefined && event.tag === undefined) return `a deletion in ${event.repository} names no tag or digest`;
  return undefined;
}

function quoted(text: string): string {
  const shown = text.slice(0, 64).replace(/[^\x20-\x7e]/g, "?");
  return JSON.stringify(text.length > 64 ? `${shown}...` : shown);
}

/** "harbor.example.com/library/nginx:1.0" -> "harbor.example.com", when the first component is a host. */
function hostOf(resourceUrl: string | undefined): string | undefined {
  const first = resourceUrl?.replace(/^[a-z]+:\/\//i, "").split("/")[0];
  return first && isRegistryHost(first) ? first : undefined;
}

/** An RFC 3339 time, not in the future (a sender's clock must not hide a lag); the arrival time otherwise. */
function timeOf(text: string | undefined, receivedAt: number): number {
  const parsed = text === undefined ? Number.NaN : Date.parse(text);
  return Number.isFinite(parsed) ? Math.min(parsed, receivedAt) : receivedAt;
}

const LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
const REGISTRY_HOST = new RegExp(`^(?:\\[[0-9A-Fa-f:.]+\\]|${LABEL}(?:\\.${LABEL})*)(?::\\d{1,5})?$`);

/** "host[:port]": DNS labels, an IPv4 address or a bracketed IPv6 one; nothing that could add a path. */
export function isRegistryHost(text: string): boolean {
  return text.length <= 255 && REGISTRY_HOST.test(text);
}
