/**
 * Turning an event body into stored events: resolve (or upsert) the profile, check what the schema
 * cannot (an identifier, the time window), dedupe. Checks run for a whole request before anything is
 * stored, so a rejected request changes nothing. `backfill: true` (on the event, or on its bulk
 * group: the event's own non-null value wins) records the event like any other but triggers no flow.
 */
import { invalidBody } from '../klaviyo-errors.js';
import type { HandlerContext } from '../http/context.js';
import type { StoredEvent } from '../state/event-store.js';

export interface EventAttributes {
  properties: Record<string, unknown>;
  time?: string | null;
  value?: number | null;
  value_currency?: string | null;
  unique_id?: string | null;
  backfill?: boolean | null;
  metric: { data: { attributes: { name: string } } };
}

export interface ProfileReference {
  data: { id?: string | null; attributes?: Record<string, unknown> };
}

const IDENTIFIERS = ['email', 'phone_number', 'external_id', 'anonymous_id'];
const EARLIEST_MS = Date.UTC(2000, 0, 1);
const YEAR_MS = 365 * 86_400_000;

export interface PendingEvent {
  profile: ProfileReference;
  attributes: EventAttributes;
  timeMs: number;
  backfill: boolean;
}

/** Checks one event (pointer = where it sits in the body); returns it ready to store. */
export function checkEvent(
  context: HandlerContext,
  profile: ProfileReference,
  profilePointer: string,
  attributes: EventAttributes,
  eventPointer: string,
  groupBackfill: boolean | null = null,
): PendingEvent {
  const profileAttributes = profile.data.attributes ?? {};
  const hasId = typeof profile.data.id === 'string' && profile.data.id !== '';
  if (!hasId && !IDENTIFIERS.some((field) => typeof profileAttributes[field] === 'string' && profileAttributes[field] !== '')) {
    throw invalidBody([{ pointer: `${profilePointer}/data/attributes`, detail: 'A profile identifier (email, phone_number, external_id or id) is required.' }]);
  }
  if (hasId && context.data.profiles.indexOfId(profile.data.id as string) === null) {
    throw invalidBody([{ pointer: `${profilePointer}/data/id`, detail: 'Profile not found.' }]);
  }
  const phone = profileAttributes.phone_number;
  if (typeof phone === 'string' && !/^\+[1-9]\d{1,14}$/.test(phone)) {
    throw invalidBody([{ pointer: `${profilePointer}/data/attributes/phone_number`, detail: 'Invalid phone number format.' }]);
  }
  const timeMs = attributes.time ? Date.parse(attributes.time) : context.nowMs;
  if (timeMs < EARLIEST_MS || timeMs > context.nowMs + YEAR_MS) {
    throw invalidBody([{ pointer: `${eventPointer}/time`, detail: 'Event time must be between 2000-01-01 and one year from now.' }]);
  }
  if (attributes.metric.data.attributes.name.length >= 128) {
    throw invalidBody([{ pointer: `${eventPointer}/metric/data/attributes/name`, detail: 'Metric name must be shorter than 128 characters.' }]);
  }
  const backfill = (attributes.backfill ?? groupBackfill) === true;
  return { profile, attributes, timeMs: Math.floor(timeMs / 1000) * 1000, backfill };
}

/** Upserts the profile and stores the event unless it is a duplicate. */
export function storeEvent(context: HandlerContext, pending: PendingEvent): 'stored' | 'duplicate' {
  const { data } = context;
  const profileAttributes = pending.profile.data.attributes ?? {};
  let profileIndex: number;
  if (typeof pending.profile.data.id === 'string' && pending.profile.data.id !== '') {
    profileIndex = data.profiles.indexOfId(pending.profile.data.id) as number;
    if (Object.keys(profileAttributes).length > 0) data.profiles.update(profileIndex, profileAttributes);
  } else {
    profileIndex = data.profiles.upsert(profileAttributes).index;
  }
  const metric = data.metricByName(pending.attributes.metric.data.attributes.name);
  const event: StoredEvent = {
    id: data.nextId('event'),
    metricId: metric.id,
    metricName: metric.name,
    profileIndex,
    timeMs: pending.timeMs,
    properties: pending.attributes.properties,
    value: pending.attributes.value ?? null,
    valueCurrency: pending.attributes.value_currency ?? null,
    // Klaviyo's rule without a unique_id: one event per profile, metric and second.
    uniqueId: pending.attributes.unique_id ?? `time:${pending.timeMs}`,
    backfill: pending.backfill,
  };
  const outcome = data.recordEvent(event);
  if (outcome === 'stored') data.profiles.noteEvent(profileIndex, pending.timeMs);
  return outcome;
}
