/**
 * metric-aggregates: count, sum_value (the events' `value`) and unique (distinct profiles) per
 * interval, over the seeded `Placed Order` events and the events written through the API. The
 * `datetime` range is required (≥ and <, at most one year). `by` and `timezone` are accepted but
 * not applied: one ungrouped series in UTC.
 */
import { randomUUID } from 'node:crypto';
import { invalidBody } from '../klaviyo-errors.js';
import type { HandlerContext, HandlerResult } from '../http/context.js';
import { parseFilter } from '../http/filter.js';

const STEP_MS: Record<string, number> = { hour: 3_600_000, day: 86_400_000, week: 604_800_000 };

interface AggregateAttributes {
  metric_id: string;
  measurements: string[];
  interval?: string;
  filter: string[];
  sort?: string;
  page_size?: number;
}

/** Live: any `sort` is refused, and `page_size` is at least 500. */
const MIN_PAGE_SIZE = 500;

function range(filters: string[]): { since: number; until: number } {
  let since = Number.NaN;
  let until = Number.NaN;
  for (const text of filters) {
    let conditions;
    try {
      conditions = parseFilter(text);
    } catch {
      throw invalidBody([{ pointer: '/data/attributes/filter', detail: `Invalid filter '${text}'.` }]);
    }
    for (const condition of conditions) {
      if (condition.field !== 'datetime' || !(condition.value instanceof Date)) continue;
      if (condition.operator === 'greater-or-equal') since = condition.value.getTime();
      if (condition.operator === 'less-than') until = condition.value.getTime();
    }
  }
  if (Number.isNaN(since) || Number.isNaN(until) || until <= since || until - since > 366 * 86_400_000) {
    throw invalidBody([{ pointer: '/data/attributes/filter', detail: 'A datetime range (greater-or-equal and less-than, at most one year) is required.' }]);
  }
  return { since, until };
}

function bucketStarts(since: number, until: number, interval: string): number[] {
  const starts: number[] = [];
  for (let start = since; start < until; ) {
    starts.push(start);
    if (interval === 'month') {
      const date = new Date(start);
      start = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), date.getUTCHours());
    } else {
      start += STEP_MS[interval] ?? STEP_MS.day!;
    }
  }
  return starts;
}

export function queryMetricAggregates(context: HandlerContext): HandlerResult {
  const attributes = (context.body as { data: { attributes: AggregateAttributes } }).data.attributes;
  const metric = context.data.metricById(attributes.metric_id);
  if (!metric) throw invalidBody([{ pointer: '/data/attributes/metric_id', detail: `Metric ${attributes.metric_id} does not exist.` }]);
  if (attributes.sort !== undefined && attributes.sort !== null) throw invalidBody([{ pointer: '/data/attributes/sort', detail: `'${attributes.sort}' is not a valid sort.` }]);
  if (attributes.page_size !== undefined && attributes.page_size !== null && attributes.page_size < MIN_PAGE_SIZE) {
    throw invalidBody([{ pointer: '/data/attributes/page_size', detail: `page_size must be at least ${MIN_PAGE_SIZE}.` }]);
  }
  const { since, until } = range(attributes.filter);
  const starts = bucketStarts(since, until, attributes.interval ?? 'day');
  const count = new Array<number>(starts.length).fill(0);
  const sum = new Array<number>(starts.length).fill(0);
  const profiles = starts.map(() => new Set<number>());
  const add = (timeMs: number, value: number, profile: number) => {
    let bucket = starts.length - 1;
    while (bucket > 0 && (starts[bucket] ?? 0) > timeMs) bucket--;
    count[bucket]! += 1;
    sum[bucket] = Math.round((sum[bucket]! + value) * 100) / 100;
    profiles[bucket]!.add(profile);
  };
  const { orders } = context.account;
  if (metric.name === 'Placed Order') {
    for (let i = orders.firstIndexAtOrAfter(since), end = orders.firstIndexAtOrAfter(until); i < end; i++) {
      const order = orders.order(i);
      // A data-privacy deletion took the profile's events with it.
      if (context.data.profiles.isDeleted(order.profileIndex)) continue;
      add(order.timeMs, order.total, order.profileIndex);
    }
  }
  for (const event of context.data.events.events) {
    if (event.metricId === metric.id && event.timeMs >= since && event.timeMs < until) add(event.timeMs, event.value ?? 0, event.profileIndex);
  }
  const measurements: Record<string, number[]> = {};
  if (attributes.measurements.includes('count')) measurements.count = count;
  if (attributes.measurements.includes('sum_value')) measurements.sum_value = sum;
  if (attributes.measurements.includes('unique')) measurements.unique = profiles.map((set) => set.size);
  return {
    status: 200,
    body: {
      data: {
        type: 'metric-aggregate',
        id: randomUUID(),
        attributes: { dates: starts.map((start) => new Date(start).toISOString()), data: [{ dimensions: [], measurements }] },
        links: { self: `${context.baseUrl}${context.path}` },
      },
      links: { self: `${context.baseUrl}${context.path}`, next: null, prev: null },
    },
  };
}
