import type { KlaviyoErrorDetail } from '../klaviyo/errors.js';
import type { KlaviyoProfileInput } from '../klaviyo/bodies/profile.js';
import { mergePayloads } from '../../src/store/merge-payload.js';
import type { OutboxItem, OutboxOutcome } from '../../src/store/outbox.js';
import { type BatchPlan, type BatchResult, type OutcomeContext, sendBatch } from './batch-outcomes.js';
import type { ProfilePayload } from './klaviyo-payloads.js';
import { BATCH_POINTERS, type SyncKlaviyoApi } from './klaviyo-sync-api.js';
import { matchImportErrors } from './import-errors.js';

export interface ProfileDeliveryOptions {
  /** From this many profiles in a claim on, use one bulk import job instead of single upserts. */
  bulkThreshold: number;
  /** Concurrent single upserts (profile-import is an L-tier class: 75/s). */
  upsertConcurrency: number;
  /** Wait between polls of an import job, in milliseconds. */
  jobPollMs: number;
  /** Longest wait for an import job to finish, in milliseconds; then its items count as delivered. */
  jobTimeoutMs: number;
  sleep: (ms: number) => Promise<void>;
  /** True once the worker is stopping: polling ends there, and the job's outcome counts as unknown. */
  stopping?: () => boolean;
  /** The job was accepted but its outcome is unknown (poll timed out, failed, or the worker stopped). */
  onJobUnfinished?: (jobId: string, error?: unknown) => void;
}

export interface ProfileEntry {
  profile: KlaviyoProfileInput;
  items: OutboxItem[];
}

/** Updates of one person in one claim (an old retry and a newer one) merge in arrival order. */
export function mergeProfileItems(items: OutboxItem[]): ProfileEntry[] {
  const entries = new Map<string, { attributes: Record<string, unknown>; items: OutboxItem[] }>();
  for (const item of items) {
    const attributes = (item.payload as unknown as ProfilePayload).profile as Record<string, unknown>;
    const key = item.mergeKey ?? item.id;
    const entry = entries.get(key);
    if (entry) {
      entry.attributes = mergePayloads(entry.attributes, attributes);
      entry.items.push(item);
    } else entries.set(key, { attributes, items: [item] });
  }
  return [...entries.values()].map((e) => ({ profile: { attributes: e.attributes }, items: e.items }));
}

const rejectedByIndex = (details: Map<number, KlaviyoErrorDetail[]>, entries: ProfileEntry[]) => {
  const rejected = new Map<string, KlaviyoErrorDetail[]>();
  for (const [index, list] of details) for (const item of entries[index]?.items ?? []) rejected.set(item.id, list);
  return rejected;
};

/**
 * Profiles (DESIGN §6): a handful go to profile-import one by one; many go to one
 * profile-bulk-import-job, which is polled until it ends and whose import errors dead-letter
 * exactly the profiles they name.
 */
export async function deliverProfiles(
  api: SyncKlaviyoApi,
  items: OutboxItem[],
  ctx: OutcomeContext,
  options: ProfileDeliveryOptions,
): Promise<BatchResult> {
  const entries = mergeProfileItems(items);
  if (entries.length < options.bulkThreshold) return upsertEach(api, entries, ctx, options.upsertConcurrency);

  let jobId = '';
  const created = await sendBatch<ProfileEntry>(
    {
      entries,
      itemsOf: (e) => e.items,
      send: async (chosen) => {
        jobId = await api.createProfileImportJob(chosen.map((e) => e.profile));
      },
      rejected: (error, chosen) => rejectedByIndex(error.itemErrors(BATCH_POINTERS.profiles), chosen),
    },
    ctx,
  );
  // Only an accepted job (all items delivered) is polled; partial results came from a 400 or bisection.
  if (created.authFailed || created.outcomes.some((o) => o.status !== 'delivered') || !jobId) return created;
  return { outcomes: await importOutcomes(api, jobId, entries, options), authFailed: false };
}

async function importOutcomes(api: SyncKlaviyoApi, jobId: string, entries: ProfileEntry[], options: ProfileDeliveryOptions): Promise<OutboxOutcome[]> {
  const delivered = entries.flatMap((e) => e.items).map((i): OutboxOutcome => ({ id: i.id, status: 'delivered' }));
  try {
    const deadline = Date.now() + options.jobTimeoutMs;
    let job = await api.getProfileImportJob(jobId);
    while (job.status !== 'complete' && job.status !== 'cancelled') {
      if (Date.now() >= deadline || options.stopping?.()) {
        options.onJobUnfinished?.(jobId);
        return delivered;
      }
      await options.sleep(options.jobPollMs);
      // A stop during the sleep is reported by the check above, without one more request.
      if (!options.stopping?.()) job = await api.getProfileImportJob(jobId);
    }
    if (job.failedCount === 0) return delivered;
    const failed = matchImportErrors(await api.listProfileImportErrors(jobId), entries);
    return delivered.map((o): OutboxOutcome => {
      const error = failed.get(o.id);
      return error ? { id: o.id, status: 'dead', error } : o;
    });
  } catch (error) {
    // Klaviyo accepted the job; an upsert job is safe to lose track of, not to send twice blindly.
    options.onJobUnfinished?.(jobId, error);
    return delivered;
  }
}

async function upsertEach(api: SyncKlaviyoApi, entries: ProfileEntry[], ctx: OutcomeContext, concurrency: number): Promise<BatchResult> {
  const results: BatchResult[] = [];
  let next = 0;
  let authFailed = false;
  const lane = async () => {
    while (next < entries.length && !authFailed) {
      const entry = entries[next++];
      if (!entry) break;
      const plan: BatchPlan<ProfileEntry> = {
        entries: [entry],
        itemsOf: (e) => e.items,
        send: async ([one]) => api.upsertProfile((one ?? entry).profile),
        rejected: (error) => new Map(entry.items.map((i) => [i.id, error.errors])),
      };
      const result = await sendBatch(plan, ctx);
      if (result.authFailed) authFailed = true;
      results.push(result);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, entries.length) }, lane));
  return { outcomes: results.flatMap((r) => r.outcomes), authFailed, error: results.find((r) => r.error)?.error };
}
