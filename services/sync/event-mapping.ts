import { createHash } from 'node:crypto';
import type { OutboxEntry } from '../../src/store/outbox.js';
import type { EventInput } from './event-schema.js';
import { klaviyoIdentifiers } from './identity.js';
import { compact, type EventPayload, type KlaviyoProfileAttributes } from './klaviyo-payloads.js';

/**
 * A CDP-style event becomes one outbox item. Without an `insert_id` the unique id is a hash of
 * what was sent (before defaults), so a client retrying the same request is deduplicated.
 */
export function eventUniqueId(event: EventInput): string {
  return event.insert_id ?? `h:${createHash('sha256').update(canonicalJson(event)).digest('base64url').slice(0, 32)}`;
}

export function mapEvent(event: EventInput, uniqueId: string, now: Date): OutboxEntry {
  const profile: KlaviyoProfileAttributes = compact({ ...event.profile, ...klaviyoIdentifiers(event) });
  const payload: EventPayload = {
    profile,
    event: compact({
      metric: event.event_name,
      properties: event.properties ?? {},
      time: event.event_time ?? now.toISOString(),
      value: event.value,
      value_currency: event.currency,
      unique_id: uniqueId,
      backfill: event.backfill ? (true as const) : undefined,
    }),
  };
  return { dedupeKey: `event:${uniqueId}`, items: [{ kind: 'event', payload: payload as unknown as Record<string, unknown> }] };
}

/** JSON with object keys sorted at every level: the same content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
