import { z } from 'zod';
import { parseOrThrow } from '../../src/lib/zod-errors.js';
import { createEventSchema, MAX_EVENTS_PER_REQUEST, type EventInput } from './event-schema.js';
import { createOrderSchema, MAX_ORDERS_PER_REQUEST, type OrderInput } from './order-schema.js';
import { createProfileSchema, MAX_PROFILES_PER_REQUEST, type ProfileInput } from './profile-schema.js';

export type IngestKind = 'events' | 'orders' | 'profiles';

/** The validated items of one ingest request, by kind. */
export interface IngestItems {
  events: EventInput[];
  orders: OrderInput[];
  profiles: ProfileInput[];
}

/** One ingest route's request: the schema /openapi.json shows, and the parser the route runs. */
export interface IngestRequest<K extends IngestKind> {
  summary: string;
  /** One item, or `{"<kind>": [...]}` of 1…max items: what /openapi.json documents. */
  body: z.ZodType;
  /** Validates a whole body (all or nothing) into its items, or throws a ValidationError listing every bad path. */
  parse(body: unknown): IngestItems[K];
}

export type IngestRequests = { [K in IngestKind]: IngestRequest<K> };

function ingestRequest<K extends IngestKind, S extends z.ZodType>(key: K, item: S, max: number, summary: string): IngestRequest<K> {
  const batch = z.strictObject({
    [key]: z.array(item).min(1, 'must hold at least one item').max(max, `must hold at most ${max} items`),
  }) as unknown as z.ZodType<Record<K, Array<z.output<S>>>>;
  return {
    summary,
    body: z.union([item, batch]),
    parse(body) {
      // A body naming the kind is a batch; anything else is one item. Parsing each shape on its own
      // gives the caller the errors of the shape it meant, not the union's.
      const isBatch = typeof body === 'object' && body !== null && !Array.isArray(body) && key in body;
      const items = isBatch ? parseOrThrow(batch, body, 'The request body')[key] : [parseOrThrow(item, body, 'The request body')];
      return items as IngestItems[K];
    },
  };
}

/**
 * The three ingest requests. `now` is the clock the time limits are judged by (an event's `time`
 * may not lie in the future, nor too far in the past).
 */
export function createIngestRequests(now: () => number): IngestRequests {
  return {
    events: ingestRequest('events', createEventSchema(now), MAX_EVENTS_PER_REQUEST, 'Ingest custom events (one, or {"events": [...]} of 1–1000)'),
    orders: ingestRequest('orders', createOrderSchema(now), MAX_ORDERS_PER_REQUEST, 'Ingest orders, mapped to Klaviyo order events (one, or {"orders": [...]} of 1–1000)'),
    profiles: ingestRequest('profiles', createProfileSchema(now), MAX_PROFILES_PER_REQUEST, 'Ingest profile updates and consent (one, or {"profiles": [...]} of 1–10000)'),
  };
}
