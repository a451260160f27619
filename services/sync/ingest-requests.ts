import { z } from 'zod';
import { ValidationError, type FieldError } from '../../src/lib/errors.js';
import { fieldErrorsFromZod } from '../../src/lib/zod-errors.js';
import { backfillFlag } from './common-schema.js';
import { createEventSchema, MAX_EVENTS_PER_REQUEST, type EventInput } from './event-schema.js';
import { checkComputedMoney } from './order-mapping.js';
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

/**
 * `batchFields`: what a batch may set once for all its items (events and orders: `backfill`); an
 * item's own value wins over its batch's.
 */
function ingestRequest<K extends IngestKind, S extends z.ZodType>(key: K, item: S, max: number, summary: string, batchFields: Record<string, z.ZodType> = {}): IngestRequest<K> {
  const batch = z.strictObject({
    [key]: z.array(item).min(1, 'must hold at least one item').max(max, `must hold at most ${max} items`),
    ...batchFields,
  }) as unknown as z.ZodType<Record<K, Array<z.output<S>>> & Record<string, unknown>>;
  return {
    summary,
    body: z.union([item, batch]),
    parse(body) {
      // A body naming the kind is a batch; anything else is one item. Parsing each shape on its own
      // gives the caller the errors of the shape it meant, not the union's.
      const isBatch = typeof body === 'object' && body !== null && !Array.isArray(body) && key in body;
      const result = isBatch ? batch.safeParse(body) : item.safeParse(body);
      const errors = result.success ? [] : fieldErrorsFromZod(result.error);
      // A typed number field reports its own Infinity; the walk adds those in free-form properties.
      const reported = new Set(errors.map((e) => e.path));
      errors.push(...nonFiniteNumbers(body).filter((e) => !reported.has(e.path)));
      if (!result.success || errors.length > 0) throw new ValidationError(`The request body is invalid: ${errors.length} problem(s)`, errors);
      if (!isBatch) return [result.data] as IngestItems[K];
      const { [key]: items, ...shared } = result.data as Record<string, unknown>;
      const defaults = Object.fromEntries(Object.entries(shared).filter(([, value]) => value !== undefined));
      return (Object.keys(defaults).length === 0 ? items : (items as Array<Record<string, unknown>>).map((one) => ({ ...defaults, ...dropUndefined(one) }))) as IngestItems[K];
    },
  };
}

const dropUndefined = (value: Record<string, unknown>) => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));

/** Deeper than any valid body (custom properties nest at most 10 levels): the schema refuses those anyway. */
const MAX_WALK_DEPTH = 64;

interface Container {
  value: object;
  depth: number;
  key: string | undefined;
  parent: Container | undefined;
}

/**
 * Every number of the body that is not finite. JSON has no Infinity, but a literal past the range
 * of a double (1e400) parses to one, and it would reach Klaviyo as null. Iterative, and it stops
 * descending at MAX_WALK_DEPTH, so no body can overflow the stack here; a path is built only for
 * a number it reports.
 */
function nonFiniteNumbers(body: unknown): FieldError[] {
  const errors: FieldError[] = [];
  if (typeof body === 'number' && !Number.isFinite(body)) errors.push(nonFinite(undefined, undefined));
  if (typeof body !== 'object' || body === null) return errors;
  const pending: Container[] = [{ value: body, depth: 1, key: undefined, parent: undefined }];
  for (let container = pending.pop(); container !== undefined; container = pending.pop()) {
    const entries = Array.isArray(container.value) ? container.value.map((v: unknown, i) => [String(i), v] as const) : Object.entries(container.value);
    for (const [key, value] of entries) {
      if (typeof value === 'number' && !Number.isFinite(value)) errors.push(nonFinite(container, key));
      else if (typeof value === 'object' && value !== null && container.depth < MAX_WALK_DEPTH) pending.push({ value, depth: container.depth + 1, key, parent: container });
    }
  }
  return errors;
}

function nonFinite(container: Container | undefined, key: string | undefined): FieldError {
  const keys = key === undefined ? [] : [key];
  for (let c = container; c?.key !== undefined; c = c.parent) keys.unshift(c.key);
  return {
    path: `/${keys.map((k) => k.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`,
    message: 'must be a finite number (this one is beyond the range of a double); Klaviyo accepts finite numbers only',
  };
}

/**
 * The three ingest requests. `now` is the clock the time limits are judged by (an event's `time`
 * may not lie in the future, nor too far in the past); `defaultPhoneRegion` (DEFAULT_PHONE_REGION)
 * lets phone numbers be national numbers of that region, normalised to E.164.
 */
export function createIngestRequests(now: () => number, options: { defaultPhoneRegion?: string } = {}): IngestRequests {
  const region = options.defaultPhoneRegion;
  return {
    events: ingestRequest('events', createEventSchema(now, region), MAX_EVENTS_PER_REQUEST, 'Ingest custom events (one, or {"events": [...], "backfill"?: true} of 1–1000)', { backfill: backfillFlag }),
    orders: ingestRequest('orders', createOrderSchema(now, region).superRefine(checkComputedMoney), MAX_ORDERS_PER_REQUEST, 'Ingest orders, mapped to Klaviyo order events (one, or {"orders": [...], "backfill"?: true} of 1–1000)', { backfill: backfillFlag }),
    profiles: ingestRequest('profiles', createProfileSchema(now, region), MAX_PROFILES_PER_REQUEST, 'Ingest profile updates and consent (one, or {"profiles": [...]} of 1–10000)'),
  };
}
