import {
  KlaviyoAuthError,
  KlaviyoError,
  KlaviyoRateLimitedError,
  KlaviyoTransientError,
  KlaviyoUnreachableError,
  type KlaviyoErrorDetail,
} from '../klaviyo/errors.js';
import type { KlaviyoConsentChannels, KlaviyoConsentProfile } from '../klaviyo/bodies/subscription.js';
import { MAX_PROFILES_PER_UNSUBSCRIBE_JOB } from '../klaviyo/bodies/subscription.js';
import { fullJitterDelayMs } from '../../src/lib/backoff.js';
import type { OutboxItem, OutboxOutcome } from '../../src/store/outbox.js';
import { type BatchPlan, type BatchResult, type OutcomeContext, sendBatch, toOutboxError } from './batch-outcomes.js';
import type { ConsentChannel, ConsentPayload } from './klaviyo-payloads.js';
import { BATCH_POINTERS, type ConsentJobOptions, type SyncKlaviyoApi } from './klaviyo-sync-api.js';

interface ConsentEntry {
  profile: KlaviyoConsentProfile;
  items: OutboxItem[];
}

/** Items that go out in one subscription job: same direction, list, source and historical mode. */
interface ConsentJob {
  options: ConsentJobOptions;
  entries: ConsentEntry[];
}

const payloadOf = (item: OutboxItem) => item.payload as unknown as ConsentPayload;

const CHANNEL_FIELD: Record<ConsentChannel, keyof KlaviyoConsentChannels> = {
  email: 'email_marketing',
  sms: 'sms_marketing',
  sms_transactional: 'sms_transactional',
};

const needsEmail = (channel: ConsentChannel) => channel === 'email';

/** Groups items into jobs, and within a job one entry per person carrying every channel of theirs. */
function jobsFor(items: OutboxItem[], subscribed: boolean): ConsentJob[] {
  const jobs = new Map<string, { options: ConsentJobOptions; entries: Map<string, ConsentEntry> }>();
  for (const item of items) {
    const consent = payloadOf(item);
    const historical = subscribed && consent.consented_at !== undefined;
    const options: ConsentJobOptions = { listId: consent.list_id, customSource: consent.custom_source, historicalImport: historical || undefined };
    const jobKey = JSON.stringify([options.listId, options.customSource, historical]);
    const job = jobs.get(jobKey) ?? { options, entries: new Map() };
    jobs.set(jobKey, job);
    const personKey = `${consent.email ?? ''}|${consent.phone_number ?? ''}`;
    const entry = job.entries.get(personKey) ?? {
      profile: { email: consent.email, phone_number: consent.phone_number, channels: {}, consented_at: historical ? consent.consented_at : undefined },
      items: [],
    };
    entry.profile.channels[CHANNEL_FIELD[consent.channel]] = true;
    entry.items.push(item);
    job.entries.set(personKey, entry);
  }
  return [...jobs.values()].map((j) => ({ options: j.options, entries: [...j.entries.values()] }));
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

interface Resolution {
  ready: OutboxItem[];
  outcomes: OutboxOutcome[];
  authFailed: boolean;
}

/**
 * Opt-outs are never refused (docs/ingest.md#consent): one that lacks its channel's identifier (an email
 * unsubscribe known only by external id or phone) is resolved through Klaviyo's profile of that
 * person. Not found, or found without that identifier → dead letter `opt_out_unresolved`.
 */
async function resolveOptOuts(api: SyncKlaviyoApi, items: OutboxItem[], ctx: OutcomeContext): Promise<Resolution> {
  const result: Resolution = { ready: [], outcomes: [], authFailed: false };
  for (const item of items) {
    const consent = payloadOf(item);
    const field = needsEmail(consent.channel) ? 'email' : 'phone_number';
    if (consent[field] !== undefined) {
      result.ready.push(item);
      continue;
    }
    if (result.authFailed) continue; // released untouched with the rest
    try {
      const found = await api.findProfileIdentifiers({ external_id: consent.external_id, email: consent.email, phone_number: consent.phone_number });
      const value = found?.[field];
      if (value === undefined) {
        const detail = found
          ? `Klaviyo's profile of this person has no ${field === 'email' ? 'email' : 'phone number'} to unsubscribe`
          : `Klaviyo has no profile of this person; the ${consent.channel} opt-out cannot be applied`;
        result.outcomes.push({ id: item.id, status: 'dead', error: { reason: 'opt_out_unresolved', code: 'opt_out_unresolved', detail } });
        continue;
      }
      result.ready.push({ ...item, payload: { ...item.payload, [field]: value } });
    } catch (error) {
      if (error instanceof KlaviyoAuthError) {
        result.authFailed = true;
        continue;
      }
      // Throttled, or given up during the class's outage: Klaviyo's state, not this item's; no attempt spent.
      const throttled = error instanceof KlaviyoRateLimitedError || error instanceof KlaviyoUnreachableError;
      // Anything but a definite answer (throttled, 5xx, network, or a bug of ours) is tried again later.
      const transient = throttled || error instanceof KlaviyoTransientError || !(error instanceof KlaviyoError);
      const retryAt = new Date(ctx.now().getTime() + (throttled ? 0 : fullJitterDelayMs(item.attempts + 1, ctx.backoff, ctx.random)));
      result.outcomes.push(
        transient
          ? { id: item.id, status: 'retry', retryAt, countAttempt: !throttled, error: toOutboxError(error) }
          : { id: item.id, status: 'dead', error: { ...toOutboxError(error), reason: 'opt_out_unresolved' } },
      );
    }
  }
  return result;
}

/**
 * Consent changes: `true` → the subscribe job (≤ 1,000 profiles; with the item's list, source and,
 * given `consented_at`, as a historical import), `false` → the unsubscribe job (≤ 100 per request).
 * When a claim holds two changes of one person and channel (an old retry and a newer one), only the
 * newest is sent; the older is settled as superseded.
 */
export async function deliverConsent(api: SyncKlaviyoApi, items: OutboxItem[], ctx: OutcomeContext): Promise<BatchResult> {
  const newest = new Map<string, OutboxItem>();
  for (const item of items) newest.set(item.mergeKey ?? item.id, item);
  const current = [...new Set(newest.values())];
  const superseded: OutboxOutcome[] = items.filter((i) => !current.includes(i)).map((i) => ({ id: i.id, status: 'delivered' }));

  const optOuts = await resolveOptOuts(api, current.filter((i) => !payloadOf(i).subscribed), ctx);
  const results: BatchResult[] = [{ outcomes: optOuts.outcomes, authFailed: optOuts.authFailed }];
  const stopped = () => results.some((r) => r.authFailed);
  for (const job of jobsFor(current.filter((i) => payloadOf(i).subscribed), true)) {
    if (stopped()) break;
    results.push(await sendBatch(planFor(job.entries, (profiles) => api.subscribe(profiles, job.options)), ctx));
  }
  for (const job of jobsFor(optOuts.ready, false)) {
    for (let start = 0; start < job.entries.length && !stopped(); start += MAX_PROFILES_PER_UNSUBSCRIBE_JOB) {
      const chunk = job.entries.slice(start, start + MAX_PROFILES_PER_UNSUBSCRIBE_JOB);
      results.push(await sendBatch(planFor(chunk, (profiles) => api.unsubscribe(profiles, { listId: job.options.listId })), ctx));
    }
  }
  return {
    outcomes: [...superseded, ...results.flatMap((r) => r.outcomes)],
    authFailed: stopped(),
    error: results.find((r) => r.error)?.error ?? optOuts.outcomes.find((o) => o.status === 'dead')?.error,
  };
}
