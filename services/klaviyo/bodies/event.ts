import { assertBatchSize, compact } from './compact.js';
import type { KlaviyoProfileAttributes } from './profile.js';

export interface KlaviyoEventInput {
  /** Metric name, e.g. "Placed Order" (< 128 characters). */
  metric: string;
  properties: Record<string, unknown>;
  /** ISO 8601; Klaviyo defaults it to receipt time and truncates to the second. */
  time?: string;
  /** Monetary value (revenue belongs here, not only in properties). */
  value?: number;
  /** ISO 4217 code. */
  value_currency?: string;
  /** Klaviyo keeps the first event per profile, metric and unique_id: makes resending safe. */
  unique_id?: string;
  /** Recorded (reports, the profile's timeline) but triggers no flow: a historical import. */
  backfill?: boolean;
}

/** The profile an event belongs to: at least one identifier among the attributes (or an id). */
export interface KlaviyoEventProfile {
  id?: string;
  attributes: KlaviyoProfileAttributes;
}

export interface KlaviyoEventGroup {
  profile: KlaviyoEventProfile;
  events: readonly KlaviyoEventInput[];
}

/** Klaviyo's documented maximum for one event bulk create job. */
export const MAX_EVENTS_PER_BULK_JOB = 1_000;

function eventAttributes(event: KlaviyoEventInput) {
  return compact({
    properties: event.properties,
    time: event.time,
    value: event.value,
    value_currency: event.value_currency,
    unique_id: event.unique_id,
    backfill: event.backfill ? true : undefined,
    metric: { data: { type: 'metric' as const, attributes: { name: event.metric } } },
  });
}

function eventProfileResource(profile: KlaviyoEventProfile) {
  const { location, ...rest } = profile.attributes;
  return compact({
    type: 'profile' as const,
    id: profile.id,
    attributes: compact({ ...rest, location: location ? compact(location) : location }),
  });
}

/** POST /api/events (create_event). */
export function buildEventCreateBody(event: KlaviyoEventInput, profile: KlaviyoEventProfile) {
  return {
    data: {
      type: 'event' as const,
      attributes: { ...eventAttributes(event), profile: { data: eventProfileResource(profile) } },
    },
  };
}

/** POST /api/event-bulk-create-jobs: events grouped per profile, ≤ 1,000 events in all. */
export function buildEventBulkCreateBody(groups: readonly KlaviyoEventGroup[]) {
  assertBatchSize('event bulk create', groups.reduce((sum, g) => sum + g.events.length, 0), MAX_EVENTS_PER_BULK_JOB);
  return {
    data: {
      type: 'event-bulk-create-job' as const,
      attributes: {
        'events-bulk-create': {
          data: groups.map((group) => ({
            type: 'event-bulk-create' as const,
            attributes: {
              profile: { data: eventProfileResource(group.profile) },
              events: { data: group.events.map((e) => ({ type: 'event' as const, attributes: eventAttributes(e) })) },
            },
          })),
        },
      },
    },
  };
}

const json = JSON.stringify;

/** One event's attributes as JSON text; JSON.stringify drops undefined members as `compact` would. */
function eventAttributesJson(event: KlaviyoEventInput): string {
  let text = `{"properties":${json(event.properties)}`;
  if (event.time !== undefined) text += `,"time":${json(event.time)}`;
  if (event.value !== undefined) text += `,"value":${json(event.value)}`;
  if (event.value_currency !== undefined) text += `,"value_currency":${json(event.value_currency)}`;
  if (event.unique_id !== undefined) text += `,"unique_id":${json(event.unique_id)}`;
  if (event.backfill) text += ',"backfill":true';
  return `${text},"metric":{"data":{"type":"metric","attributes":{"name":${json(event.metric)}}}}}`;
}

function eventProfileJson(profile: KlaviyoEventProfile): string {
  const id = profile.id === undefined ? '' : `,"id":${json(profile.id)}`;
  return `{"type":"profile"${id},"attributes":${json(profile.attributes)}}`;
}

/**
 * `JSON.stringify(buildEventBulkCreateBody(groups))`, written as text: a 1,000-event body is built
 * ten times a second while draining a backlog, and skipping the intermediate object tree halves
 * the sync worker's time per batch. Same document (test/klaviyo/contract.test.ts compares them).
 */
export function serializeEventBulkCreateBody(groups: readonly KlaviyoEventGroup[]): string {
  assertBatchSize('event bulk create', groups.reduce((sum, g) => sum + g.events.length, 0), MAX_EVENTS_PER_BULK_JOB);
  const parts = groups.map((group) => {
    const events = group.events.map((e) => `{"type":"event","attributes":${eventAttributesJson(e)}}`).join(',');
    return `{"type":"event-bulk-create","attributes":{"profile":{"data":${eventProfileJson(group.profile)}},"events":{"data":[${events}]}}}`;
  });
  return `{"data":{"type":"event-bulk-create-job","attributes":{"events-bulk-create":{"data":[${parts.join(',')}]}}}}`;
}

/** Pointer of the group array in a bulk body, for `KlaviyoValidationError.itemErrors`. */
export const EVENT_BULK_GROUPS_POINTER = '/data/attributes/events-bulk-create/data';
