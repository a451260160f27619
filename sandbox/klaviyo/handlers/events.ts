/**
 * Events: create one (202), bulk create (≤ 1,000 per job, 202, no body), list by metric and time.
 * `backfill: true` is accepted on an event and on a bulk group (see event-intake.ts). Events of a
 * profile deleted by a data-privacy deletion are no longer served (written and seeded alike).
 */
import { invalidBody } from '../klaviyo-errors.js';
import type { HandlerContext, HandlerResult } from '../http/context.js';
import { resource } from '../http/context.js';
import { matchesAll, queryFilter, type FilterCondition } from '../http/filter.js';
import { cursorPosition, pageLinks, pageSizeOf } from '../http/pagination.js';
import { checkEvent, storeEvent, type EventAttributes, type PendingEvent, type ProfileReference } from './event-intake.js';

export const MAX_EVENTS_PER_BULK_JOB = 1000;

export function createEvent(context: HandlerContext): HandlerResult {
  const attributes = (context.body as { data: { attributes: EventAttributes & { profile: ProfileReference } } }).data.attributes;
  const pending = checkEvent(context, attributes.profile, '/data/attributes/profile', attributes, '/data/attributes');
  storeEvent(context, pending);
  return { status: 202 };
}

interface BulkGroup {
  attributes: { profile: ProfileReference; backfill?: boolean | null; events: { data: { attributes: EventAttributes }[] } };
}

export function bulkCreateEvents(context: HandlerContext): HandlerResult {
  const groups = (context.body as { data: { attributes: { 'events-bulk-create': { data: BulkGroup[] } } } }).data.attributes['events-bulk-create'].data;
  const base = '/data/attributes/events-bulk-create/data';
  const total = groups.reduce((sum, group) => sum + group.attributes.events.data.length, 0);
  if (total > MAX_EVENTS_PER_BULK_JOB) {
    throw invalidBody([{ pointer: base, detail: `A bulk job accepts at most ${MAX_EVENTS_PER_BULK_JOB} events; got ${total}.` }]);
  }
  const pending: PendingEvent[] = groups.flatMap((group, g) =>
    group.attributes.events.data.map((event, e) =>
      checkEvent(
        context,
        group.attributes.profile,
        `${base}/${g}/attributes/profile`,
        event.attributes,
        `${base}/${g}/attributes/events/data/${e}/attributes`,
        group.attributes.backfill ?? null,
      ),
    ),
  );
  for (const event of pending) storeEvent(context, event);
  context.recorder.bulkJobs.push({ kind: 'event-bulk-create', id: context.data.nextId('bulk-events'), items: total, status: 'complete', failed: 0 });
  return { status: 202 };
}

function timeBounds(conditions: readonly FilterCondition[]): { since: number; until: number } {
  let since = -Infinity;
  let until = Infinity;
  for (const condition of conditions) {
    if (condition.field !== 'datetime' && condition.field !== 'timestamp') continue;
    const raw = condition.value;
    const ms = raw instanceof Date ? raw.getTime() : typeof raw === 'number' ? raw * 1000 : Number.NaN;
    if (Number.isNaN(ms)) continue;
    if (condition.operator.startsWith('greater')) since = Math.max(since, ms);
    if (condition.operator.startsWith('less')) until = Math.min(until, ms + 1);
  }
  return { since, until };
}

/** Seeded `Placed Order` events first (time order), then events written through the API (arrival order). */
export function getEvents(context: HandlerContext): HandlerResult {
  const conditions = queryFilter(context.query, context.operation.filters);
  const size = pageSizeOf(context);
  const { orders } = context.account;
  const placedOrder = context.data.metricByName('Placed Order');
  const read = (fields: Record<string, unknown>) => (field: string) => fields[field];
  const wantsSeeded = matchesAll(conditions.filter((c) => c.field === 'metric_id'), read({ metric_id: placedOrder.id }));
  const { since, until } = timeBounds(conditions);
  const seededStart = wantsSeeded ? orders.firstIndexAtOrAfter(since) : orders.count;
  const seededEnd = wantsSeeded ? orders.firstIndexAtOrAfter(until) : orders.count;
  const stored = context.data.events.events;
  const page: Record<string, unknown>[] = [];
  let position = Math.max(cursorPosition(context.query), seededStart);
  let next: number | null = null;
  const end = orders.count + stored.length;
  const anyDeleted = context.data.profiles.deletedCount > 0;
  for (; position < end; position++) {
    if (position >= seededEnd && position < orders.count) position = orders.count;
    if (position >= end) break;
    // A deleted profile's seeded orders went with it (written events are removed from the store).
    if (anyDeleted && position < orders.count && context.data.profiles.isDeleted(orders.profileIndexOf(position))) continue;
    const view = position < orders.count ? seededView(context, position) : storedView(context, position - orders.count);
    if (!matchesAll(conditions, read(view.fields))) continue;
    if (page.length === size) {
      next = position;
      break;
    }
    page.push(view.render());
  }
  return { status: 200, body: { data: page, links: pageLinks(context, next) } };
}

function eventResource(context: HandlerContext, id: string, timeMs: number, properties: Record<string, unknown>, metricId: string, profileId: string) {
  return resource(
    context,
    'event',
    id,
    { timestamp: Math.floor(timeMs / 1000), event_properties: properties, datetime: new Date(timeMs).toISOString(), uuid: id },
    `/api/events/${id}/`,
    { metric: { data: { type: 'metric', id: metricId } }, profile: { data: { type: 'profile', id: profileId } } },
  );
}

function seededView(context: HandlerContext, index: number) {
  const { orders, profiles } = context.account;
  const order = orders.order(index);
  const metricId = context.data.metricByName('Placed Order').id;
  const profileId = profiles.idOf(order.profileIndex);
  return {
    fields: { metric_id: metricId, datetime: new Date(order.timeMs), timestamp: order.timeMs / 1000, profile_id: profileId, metric: true, profile: true },
    render: () => eventResource(context, order.eventId, order.timeMs, orders.eventProperties(order), metricId, profileId),
  };
}

function storedView(context: HandlerContext, index: number) {
  const event = context.data.events.events[index];
  if (!event) throw new Error(`no stored event ${index}`);
  const profileId = context.account.profiles.idOf(event.profileIndex);
  const properties = event.value === null ? event.properties : { ...event.properties, $value: event.value };
  return {
    fields: { metric_id: event.metricId, datetime: new Date(event.timeMs), timestamp: event.timeMs / 1000, profile_id: profileId, metric: true, profile: true },
    render: () => eventResource(context, event.id, event.timeMs, properties, event.metricId, profileId),
  };
}
