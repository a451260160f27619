import type { KlaviyoConsentProfile } from '../klaviyo/bodies/subscription.js';
import type { KlaviyoErrorDetail } from '../klaviyo/errors.js';
import { MAX_PROFILES_PER_UNSUBSCRIBE_JOB } from '../klaviyo/bodies/subscription.js';
import type { OutboxItem, OutboxOutcome } from '../../src/store/outbox.js';
import { type BatchPlan, type BatchResult, type OutcomeContext, sendBatch } from './batch-outcomes.js';
import type { ConsentPayload } from './klaviyo-payloads.js';
import { BATCH_POINTERS, type SyncKlaviyoApi } from './klaviyo-sync-api.js';

interface ConsentEntry {
  profile: KlaviyoConsentProfile;
  items: OutboxItem[];
}

const payloadOf = (item: OutboxItem) => item.payload as unknown as ConsentPayload;

/** One entry per person and direction, carrying every channel that changes that way. */
function entriesFor(items: OutboxItem[]): ConsentEntry[] {
  const entries = new Map<string, ConsentEntry>();
  for (const item of items) {
    const consent = payloadOf(item);
    const key = `${consent.email ?? ''}|${consent.phone_number ?? ''}`;
    const entry = entries.get(key) ?? { profile: { email: consent.email, phone_number: consent.phone_number, channels: {} }, items: [] };
    entry.profile.channels[consent.channel === 'email' ? 'email_marketing' : 'sms_marketing'] = true;
    entry.items.push(item);
    entries.set(key, entry);
  }
  return [...entries.values()];
}

function planFor(entries: ConsentEntry[], send: (profiles: KlaviyoConsentProfile[]) => Promise<void>): BatchPlan<ConsentEntry> {
  return {
    entries,
    itemsOf: (entry) => entry.items,
    send: (chosen) => send(chosen.map((e) => e.profile)),
    rejected: (error, chosen) => {
      const rejected = new Map<string, KlaviyoErrorDetail[]>();
      for (const [index, details] of error.itemErrors(BATCH_POINTERS.profiles)) {
        for (const item of chosen[index]?.items ?? []) rejected.set(item.id, details);
      }
      return rejected;
    },
  };
}

/**
 * Consent changes: `true` → the subscribe job (≤ 1,000 profiles), `false` → the unsubscribe job
 * (≤ 100 per request). When a claim holds two changes of one person and channel (an old retry and a
 * newer one), only the newest is sent; the older is settled as superseded.
 */
export async function deliverConsent(api: SyncKlaviyoApi, items: OutboxItem[], ctx: OutcomeContext): Promise<BatchResult> {
  const newest = new Map<string, OutboxItem>();
  for (const item of items) newest.set(item.mergeKey ?? item.id, item);
  const current = new Set(newest.values());
  const superseded: OutboxOutcome[] = items.filter((i) => !current.has(i)).map((i) => ({ id: i.id, status: 'delivered' }));

  const subscribe = entriesFor([...current].filter((i) => payloadOf(i).subscribed));
  const unsubscribe = entriesFor([...current].filter((i) => !payloadOf(i).subscribed));
  const results: BatchResult[] = [];
  if (subscribe.length > 0) results.push(await sendBatch(planFor(subscribe, (p) => api.subscribe(p)), ctx));
  for (let start = 0; start < unsubscribe.length; start += MAX_PROFILES_PER_UNSUBSCRIBE_JOB) {
    if (results.some((r) => r.authFailed)) break;
    const chunk = unsubscribe.slice(start, start + MAX_PROFILES_PER_UNSUBSCRIBE_JOB);
    results.push(await sendBatch(planFor(chunk, (p) => api.unsubscribe(p)), ctx));
  }
  return {
    outcomes: [...superseded, ...results.flatMap((r) => r.outcomes)],
    authFailed: results.some((r) => r.authFailed),
    error: results.find((r) => r.error)?.error,
  };
}
