import type { KlaviyoEventGroup } from '../klaviyo/bodies/event.js';
import type { KlaviyoErrorDetail, KlaviyoValidationError } from '../klaviyo/errors.js';
import { mergePayloads } from '../../src/store/merge-payload.js';
import type { OutboxItem } from '../../src/store/outbox.js';
import { type BatchPlan, type BatchResult, type OutcomeContext, sendBatch } from './batch-outcomes.js';
import { personKey } from './identity.js';
import type { EventPayload, KlaviyoProfileAttributes } from './klaviyo-payloads.js';
import { BATCH_POINTERS, type SyncKlaviyoApi } from './klaviyo-sync-api.js';

/** One profile's events in a bulk body: Klaviyo takes events grouped per profile. */
interface EventGroup {
  profile: KlaviyoProfileAttributes;
  items: OutboxItem[];
}

const payloadOf = (item: OutboxItem) => item.payload as unknown as EventPayload;

export function groupEventsByProfile(items: OutboxItem[]): EventGroup[] {
  const groups = new Map<string, EventGroup>();
  for (const item of items) {
    const { profile } = payloadOf(item);
    const key = personKey({ distinct_id: profile.external_id, email: profile.email, phone_number: profile.phone_number });
    const group = groups.get(key);
    // Later events' profile attributes win, as they would had the events been sent one by one.
    if (group) {
      group.profile = mergePayloads(group.profile as Record<string, unknown>, profile as Record<string, unknown>) as KlaviyoProfileAttributes;
      group.items.push(item);
    } else groups.set(key, { profile, items: [item] });
  }
  return [...groups.values()];
}

const toKlaviyoGroup = (group: EventGroup): KlaviyoEventGroup => ({
  profile: { attributes: group.profile },
  events: group.items.map((item) => payloadOf(item).event),
});

/** Pointer `/…/data/{g}/attributes/events/data/{e}/…` names one event; `/…/data/{g}/…` the whole group. */
function rejectedEvents(error: KlaviyoValidationError, groups: EventGroup[]): Map<string, KlaviyoErrorDetail[]> {
  const rejected = new Map<string, KlaviyoErrorDetail[]>();
  const add = (item: OutboxItem | undefined, detail: KlaviyoErrorDetail) => {
    if (item) rejected.set(item.id, [...(rejected.get(item.id) ?? []), detail]);
  };
  for (const [index, details] of error.itemErrors(BATCH_POINTERS.eventGroups)) {
    const group = groups[index];
    if (!group) continue;
    for (const detail of details) {
      const rest = detail.pointer?.slice(`${BATCH_POINTERS.eventGroups}/${index}`.length) ?? '';
      const event = /^\/attributes\/events\/data\/(\d+)(\/|$)/.exec(rest);
      if (event) add(group.items[Number(event[1])], detail);
      else for (const item of group.items) add(item, detail);
    }
  }
  return rejected;
}

/** Delivers a claimed batch of events as one event-bulk-create-job (≤ 1,000 events, ≤ 5 MB). */
export function deliverEvents(api: SyncKlaviyoApi, items: OutboxItem[], ctx: OutcomeContext): Promise<BatchResult> {
  const plan: BatchPlan<EventGroup> = {
    entries: groupEventsByProfile(items),
    itemsOf: (group) => group.items,
    send: (groups) => api.bulkCreateEvents(groups.map(toKlaviyoGroup)),
    rejected: rejectedEvents,
  };
  return sendBatch(plan, ctx);
}
