import { describe, expect, it } from 'vitest';
import { KlaviyoDuplicateProfileError, KlaviyoTransientError } from '../../services/klaviyo/errors.js';
import type { KlaviyoProfileInput } from '../../services/klaviyo/bodies/profile.js';
import { deliverProfiles, type IdentityConflictMode } from '../../services/sync/profile-delivery.js';
import type { SyncKlaviyoApi } from '../../services/sync/klaviyo-sync-api.js';
import type { OutboxItem } from '../../src/store/outbox.js';

const conflict = (otherId: string | undefined = '01OTHER') =>
  new KlaviyoDuplicateProfileError({
    status: 409,
    code: 'duplicate_profile',
    message: 'Klaviyo answered 409',
    retryable: false,
    limitClass: 'create_or_update_profile',
    errors: [{ code: 'duplicate_profile', title: 'Conflict.', detail: 'A profile already exists with one of these identifiers.', pointer: '/data/attributes', parameter: undefined, meta: { duplicate_profile_id: otherId } }],
    duplicateProfileId: otherId,
  });

/** A profile-import that answers 409 for any upsert carrying a phone number (the number is on another profile). */
function fakeApi(options: { conflictWithoutPhone?: boolean } = {}) {
  const calls: Array<{ op: 'upsert' | 'update'; id?: string; attributes: Record<string, unknown> }> = [];
  const api = {
    async upsertProfile(profile: KlaviyoProfileInput) {
      const attributes = profile.attributes as Record<string, unknown>;
      calls.push({ op: 'upsert', attributes });
      if (attributes.phone_number !== undefined || options.conflictWithoutPhone) throw conflict();
    },
    async updateProfile(id: string, profile: Omit<KlaviyoProfileInput, 'id'>) {
      calls.push({ op: 'update', id, attributes: profile.attributes as Record<string, unknown> });
    },
  } as unknown as SyncKlaviyoApi;
  return { api, calls };
}

const item = (attributes: Record<string, unknown>): OutboxItem =>
  ({ id: '7', kind: 'profile', payload: { profile: attributes }, sizeBytes: 100, mergeKey: 'email:ada@example.com', attempts: 0, createdAt: new Date() }) as unknown as OutboxItem;
const ctx = { now: () => new Date('2026-12-01T00:00:00Z'), random: () => 0.5, backoff: { baseDelayMs: 1000, maxDelayMs: 60_000 } };
const deliver = (api: SyncKlaviyoApi, mode: IdentityConflictMode, attributes: Record<string, unknown>) =>
  deliverProfiles(api, [item(attributes)], ctx, { bulkThreshold: 10, upsertConcurrency: 1, identityConflict: mode });
const ADA = { email: 'ada@example.com', phone_number: '+15005550006', first_name: 'Ada', properties: { plan: 'pro' } };

describe('identity conflicts (KLAVIYO_IDENTITY_CONFLICT)', () => {
  it('when Klaviyo answers 409 duplicate_profile in dead_letter mode, then the item is dead-lettered as identity_conflict naming the other profile, after one request', async () => {
    const { api, calls } = fakeApi();
    const result = await deliver(api, 'dead_letter', ADA);
    expect(result.outcomes).toEqual([{ id: '7', status: 'dead', error: expect.objectContaining({ reason: 'identity_conflict', duplicate_profile_id: '01OTHER', status: 409, code: 'duplicate_profile' }) }]);
    expect(calls).toHaveLength(1);
  });

  it('when in drop_phone mode, then the update goes out once more without the phone number and is delivered', async () => {
    const { api, calls } = fakeApi();
    const result = await deliver(api, 'drop_phone', ADA);
    expect(result.outcomes).toEqual([{ id: '7', status: 'delivered' }]);
    expect(calls.map((c) => c.op)).toEqual(['upsert', 'upsert']);
    expect(calls[1]?.attributes).toEqual({ email: 'ada@example.com', first_name: 'Ada', properties: { plan: 'pro' } });
  });

  it('when in drop_phone mode the conflict persists without the phone (or there was none), then it is dead-lettered as identity_conflict', async () => {
    const { api, calls } = fakeApi({ conflictWithoutPhone: true });
    expect((await deliver(api, 'drop_phone', ADA)).outcomes[0]).toMatchObject({ status: 'dead', error: { reason: 'identity_conflict' } });
    expect(calls).toHaveLength(2);
    const noPhone = fakeApi({ conflictWithoutPhone: true });
    expect((await deliver(noPhone.api, 'drop_phone', { email: 'ada@example.com' })).outcomes[0]).toMatchObject({ status: 'dead', error: { reason: 'identity_conflict' } });
    expect(noPhone.calls).toHaveLength(1);
  });

  it('when in update_existing mode, then the profile Klaviyo named is updated with everything but the identifiers', async () => {
    const { api, calls } = fakeApi();
    const result = await deliver(api, 'update_existing', { ...ADA, external_id: 'crm-1' });
    expect(result.outcomes).toEqual([{ id: '7', status: 'delivered' }]);
    expect(calls[1]).toEqual({ op: 'update', id: '01OTHER', attributes: { first_name: 'Ada', properties: { plan: 'pro' } } });
  });

  it('when the failure is not an identity conflict, then no mode changes how it is handled', async () => {
    const api = {
      async upsertProfile() {
        throw new KlaviyoTransientError({ status: 503, code: 'unavailable', message: 'down', retryable: true, limitClass: 'create_or_update_profile' });
      },
    } as unknown as SyncKlaviyoApi;
    const result = await deliver(api, 'drop_phone', ADA);
    expect(result.outcomes[0]).toMatchObject({ status: 'retry', countAttempt: true });
  });
});
