import { KlaviyoDuplicateProfileError, type KlaviyoErrorDetail } from '../klaviyo/errors.js';
import type { KlaviyoProfileInput } from '../klaviyo/bodies/profile.js';
import { mergePayloads } from '../../src/store/merge-payload.js';
import type { OutboxItem } from '../../src/store/outbox.js';
import { type BatchPlan, type BatchResult, type OutcomeContext, sendBatch } from './batch-outcomes.js';
import type { ProfilePayload } from './klaviyo-payloads.js';
import { BATCH_POINTERS, type SyncKlaviyoApi } from './klaviyo-sync-api.js';

/**
 * KLAVIYO_IDENTITY_CONFLICT: what a 409 `duplicate_profile` (the identifiers we sent belong to
 * different Klaviyo profiles) does to the update (docs/ingest.md#identity-conflicts).
 */
export const IDENTITY_CONFLICT_MODES = ['dead_letter', 'drop_phone', 'update_existing'] as const;
export type IdentityConflictMode = (typeof IDENTITY_CONFLICT_MODES)[number];

export interface ProfileDeliveryOptions {
  /** From this many profiles in a claim on, use one bulk import job instead of single upserts. */
  bulkThreshold: number;
  /** Concurrent single upserts (profile-import is an L-tier class: 75/s). */
  upsertConcurrency: number;
  /** Default `dead_letter`. */
  identityConflict?: IdentityConflictMode;
}

const IDENTIFIERS = ['email', 'phone_number', 'external_id'] as const;

/**
 * One upsert, with a 409 duplicate_profile handled as configured:
 *  - `dead_letter`: the error stands (the item is dead-lettered, reason identity_conflict, with the other profile's id);
 *  - `drop_phone`: sent once more without the phone number (the usual culprit: a number already on another profile);
 *  - `update_existing`: the profile Klaviyo named is updated with everything but the identifiers (they are what conflicts).
 * A second conflict stands too.
 */
export async function upsertResolvingConflict(api: SyncKlaviyoApi, profile: KlaviyoProfileInput, mode: IdentityConflictMode): Promise<void> {
  try {
    await api.upsertProfile(profile);
  } catch (error) {
    if (!(error instanceof KlaviyoDuplicateProfileError) || mode === 'dead_letter') throw error;
    const attributes = profile.attributes as Record<string, unknown>;
    if (mode === 'drop_phone') {
      if (attributes.phone_number === undefined) throw error;
      const { phone_number: _dropped, ...rest } = attributes;
      await api.upsertProfile({ ...profile, attributes: rest });
      return;
    }
    if (!error.duplicateProfileId) throw error;
    const rest = Object.fromEntries(Object.entries(attributes).filter(([key]) => !(IDENTIFIERS as readonly string[]).includes(key)));
    await api.updateProfile(error.duplicateProfileId, { ...profile, attributes: rest });
  }
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
 * Profiles: a handful go to profile-import one by one (done when Klaviyo answers); many
 * go to one profile-bulk-import-job, whose items are NOT delivered yet: they move to `verifying`
 * with the job's id, and the job verifier (profile-job-verifier.ts) settles them once the job ends.
 */
export async function deliverProfiles(api: SyncKlaviyoApi, items: OutboxItem[], ctx: OutcomeContext, options: ProfileDeliveryOptions): Promise<BatchResult> {
  const entries = mergeProfileItems(items);
  if (entries.length < options.bulkThreshold) return upsertEach(api, entries, ctx, options.upsertConcurrency, options.identityConflict ?? 'dead_letter');

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
  // Only a job that took every item is verified as one; a 400 or a bisection settled items already.
  if (created.authFailed || created.outcomes.some((o) => o.status !== 'delivered') || !jobId) return created;
  return { outcomes: created.outcomes.map((o) => ({ id: o.id, status: 'verifying', jobId })), authFailed: false };
}

async function upsertEach(api: SyncKlaviyoApi, entries: ProfileEntry[], ctx: OutcomeContext, concurrency: number, conflictMode: IdentityConflictMode): Promise<BatchResult> {
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
        send: async ([one]) => upsertResolvingConflict(api, (one ?? entry).profile, conflictMode),
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
