import { z } from 'zod';
import type { Metrics } from '../../src/lib/metrics.js';
import { parseOrThrow } from '../../src/lib/zod-errors.js';
import type { OutboxEntry, OutboxStore } from '../../src/store/outbox.js';
import { createEventSchema, MAX_EVENTS_PER_REQUEST } from './event-schema.js';
import { eventUniqueId, mapEvent } from './event-mapping.js';
import { identityKey } from './identity.js';
import { createOrderSchema, MAX_ORDERS_PER_REQUEST } from './order-schema.js';
import { mapOrder, orderKey } from './order-mapping.js';
import { mapProfile } from './profile-mapping.js';
import { createProfileSchema, MAX_PROFILES_PER_REQUEST } from './profile-schema.js';

export interface IngestResult {
  accepted: number;
  duplicates: number;
  /** One key per request item, in request order (DESIGN §4.3). */
  ids: string[];
}

export interface IngestServiceDeps {
  outbox: OutboxStore;
  metrics: Metrics;
  clock?: () => Date;
  /** Wakes the worker when new items are stored, so it need not wait for its next poll. */
  onEnqueued?: () => void;
  /** KLAVIYO_CONSENT_LIST_ID: the list an opt-in joins when the item names none. */
  consentListId?: string;
}

export type IngestKind = 'events' | 'orders' | 'profiles';

export interface IngestService {
  ingest(kind: IngestKind, body: unknown): Promise<IngestResult>;
}

/** One item or `{"<kind>": [...]}` of 1…max items; anything else fails with every bad path. */
function requestSchema<S extends z.ZodType>(key: IngestKind, item: S, max: number) {
  const batch = z.strictObject({
    [key]: z.array(item).min(1, `must hold at least one item`).max(max, `must hold at most ${max} items`),
  }) as unknown as z.ZodType<Record<IngestKind, Array<z.output<S>>>>;
  return (body: unknown): Array<z.output<S>> => {
    const isBatch = typeof body === 'object' && body !== null && !Array.isArray(body) && key in body;
    return isBatch ? parseOrThrow(batch, body, 'The request body')[key] : [parseOrThrow(item, body, 'The request body')];
  };
}

/**
 * The ingest use case: validate a whole request (all or nothing), map it to outbox entries and
 * store them in one transaction before the route answers 202 (DESIGN §4.3, §6).
 */
export function createIngestService(deps: IngestServiceDeps): IngestService {
  const clock = deps.clock ?? (() => new Date());
  const nowMs = () => clock().getTime();
  const parseEvents = requestSchema('events', createEventSchema(nowMs), MAX_EVENTS_PER_REQUEST);
  const parseOrders = requestSchema('orders', createOrderSchema(nowMs), MAX_ORDERS_PER_REQUEST);
  const parseProfiles = requestSchema('profiles', createProfileSchema(nowMs), MAX_PROFILES_PER_REQUEST);

  const plan = (kind: IngestKind, body: unknown, now: Date): { entries: OutboxEntry[]; ids: string[] } => {
    switch (kind) {
      case 'events': {
        const events = parseEvents(body);
        const ids = events.map(eventUniqueId);
        return { entries: events.map((e, i) => mapEvent(e, ids[i] ?? '', now)), ids };
      }
      case 'orders': {
        const orders = parseOrders(body);
        return { entries: orders.map((o) => mapOrder(o, now)), ids: orders.map(orderKey) };
      }
      case 'profiles': {
        const profiles = parseProfiles(body);
        return { entries: profiles.map((p) => mapProfile(p, { consentListId: deps.consentListId })), ids: profiles.map(identityKey) };
      }
    }
  };

  return {
    async ingest(kind, body) {
      const now = clock();
      const { entries, ids } = plan(kind, body, now);
      const results = await deps.outbox.enqueue(entries, now);
      const duplicates = results.filter((r) => r === 'duplicate').length;
      const accepted = results.length - duplicates;
      const label = kind.slice(0, -1);
      if (accepted > 0) deps.metrics.ingestedItems.inc({ kind: label, result: 'accepted' }, accepted);
      if (duplicates > 0) deps.metrics.ingestedItems.inc({ kind: label, result: 'duplicate' }, duplicates);
      if (accepted > 0) deps.onEnqueued?.();
      return { accepted, duplicates, ids };
    },
  };
}
