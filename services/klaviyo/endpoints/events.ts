import {
  buildEventCreateBody,
  type KlaviyoEventGroup,
  type KlaviyoEventInput,
  type KlaviyoEventProfile,
  serializeEventBulkCreateBody,
} from '../bodies/event.js';
import type { KlaviyoClient } from '../client.js';
import type { CallOptions } from '../json-api.js';
import { klaviyoPageSize } from '../page-sizes.js';
import { paginate, paginatePages } from '../paginate.js';
import type { KlaviyoEvent } from '../resources.js';

export interface ListEventsOptions extends CallOptions {
  /** e.g. `and(equals(metric_id,"X"),greater-or-equal(datetime,2026-01-01T00:00:00Z))`. */
  filter?: string;
  /** Asked for at most 200: the document allows 1,000, but live Klaviyo serves at most 200 a page. */
  pageSize?: number;
  sort?: string;
  include?: Array<'attributions' | 'metric' | 'profile'>;
}

/**
 * Events. Creating is idempotent only with a `unique_id` (Klaviyo keeps the first event per profile,
 * metric and unique_id); a bulk job only when every event in it carries one.
 */
export function createEventEndpoints(client: KlaviyoClient) {
  const listRead = (options: ListEventsOptions) => ({
    limitClass: 'get_events' as const,
    path: '/api/events',
    query: { filter: options.filter, 'page[size]': klaviyoPageSize('get_events', options.pageSize), sort: options.sort, include: options.include?.join(',') },
    signal: options.signal,
  });

  return {
    /** POST /api/events: 202, no body. */
    async create(event: KlaviyoEventInput, profile: KlaviyoEventProfile, options: CallOptions = {}): Promise<void> {
      await client.request({
        limitClass: 'create_event',
        method: 'POST',
        path: '/api/events',
        body: buildEventCreateBody(event, profile),
        idempotent: Boolean(event.unique_id),
        signal: options.signal,
      });
    },

    /** POST /api/event-bulk-create-jobs (≤ 1,000 events, ≤ 5 MB): 202, no body and no job id. */
    async bulkCreate(groups: readonly KlaviyoEventGroup[], options: CallOptions = {}): Promise<void> {
      await client.request({
        limitClass: 'bulk_create_events',
        method: 'POST',
        path: '/api/event-bulk-create-jobs',
        bodyJson: serializeEventBulkCreateBody(groups),
        idempotent: groups.every((g) => g.events.every((e) => Boolean(e.unique_id))),
        signal: options.signal,
      });
    },

    /** GET /api/events, every event. */
    list(options: ListEventsOptions = {}): AsyncGenerator<KlaviyoEvent, void, undefined> {
      return paginate<KlaviyoEvent>(client, listRead(options));
    },

    /** GET /api/events page by page, with `included` (metric, profile) when asked for. */
    listPages(options: ListEventsOptions = {}) {
      return paginatePages<KlaviyoEvent>(client, listRead(options));
    },
  };
}

export type EventEndpoints = ReturnType<typeof createEventEndpoints>;
