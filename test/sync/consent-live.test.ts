import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildProfile } from './support/builders.js';
import { ADMIN, INGEST, startSyncHarness, type SyncHarness } from './support/harness.js';

let harness: SyncHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const postProfiles = (h: SyncHarness, profiles: Record<string, unknown>[]) => h.http.post('/v1/profiles').set('authorization', INGEST).send({ profiles });
const consentOf = (h: SyncHarness, field: 'email' | 'phone_number' | 'external_id', value: string) => {
  const index = h.sandbox.data.profiles.lookup(field, value);
  return index === null ? undefined : h.sandbox.data.consents.get(index);
};

describe('consent against live Klaviyo behaviour', () => {
  it('when new customers opt in with no list and no historical import, then each subscription goes out after their profile import completed, and every one is subscribed', async () => {
    // A bulk import job that runs 600 ms: a subscription sent before it completes is dropped by Klaviyo.
    harness = await startSyncHarness({ tuning: { profileBulkThreshold: 2 }, sandbox: { live: { profileImportJobMs: 600 } } });
    const emails = [0, 1, 2, 3].map((i) => `newcomer-${i}@example.com`);
    await postProfiles(harness, emails.map((email) => buildProfile({ email, subscriptions: { email_marketing: true } }))).expect(202);
    await harness.drained();

    for (const email of emails) expect(consentOf(harness, 'email', email)).toEqual({ email: 'SUBSCRIBED' });
    const jobs = harness.sandbox.report().bulkJobs;
    expect(jobs.find((j) => j.kind === 'subscription-bulk-create')).toMatchObject({ items: 4, dropped: 0 });
    const received = harness.sandbox.received();
    const subscribedAt = received.find((r) => r.path === '/api/profile-subscription-bulk-create-jobs')?.at ?? 0;
    const lastJobPoll = received.filter((r) => r.path.startsWith('/api/profile-bulk-import-jobs/')).at(-1)?.at ?? Infinity;
    expect(subscribedAt).toBeGreaterThanOrEqual(lastJobPoll);
  });

  it('when KLAVIYO_CONSENT_LIST_ID is set, then an opt-in goes out with that list and the person is created, subscribed and a member', async () => {
    harness = await startSyncHarness({ startWorker: false });
    const listId = harness.sandbox.data.account.lists[0]!.id;
    await harness.close();
    harness = await startSyncHarness({ consentListId: listId, tuning: { profileBulkThreshold: 2 }, sandbox: { live: { profileImportJobMs: 60_000 } } });
    const h = harness;
    await postProfiles(h, [buildProfile({ email: 'listed@example.com', subscriptions: { email_marketing: true } }), buildProfile()]).expect(202);
    // The import job runs a minute; the listed subscription does not wait for it.
    await vi.waitFor(() => expect(consentOf(h, 'email', 'listed@example.com')).toEqual({ email: 'SUBSCRIBED' }), { timeout: 5_000, interval: 20 });
    expect(h.sandbox.report().listMemberships[listId]).toBeGreaterThanOrEqual(1);
    expect((await h.store.outbox.stats(new Date())).kinds.profile.verifying).toBe(2);
  });

  it('when an opt-out names only the person’s distinct_id, then its email is resolved through Klaviyo and unsubscribed', async () => {
    harness = await startSyncHarness();
    const email = harness.sandbox.data.profiles.attributes(5)!.email!;
    await postProfiles(harness, [{ distinct_id: 'cust-5', subscriptions: { email_marketing: false } }]).expect(202);
    await harness.drained();
    expect(consentOf(harness, 'email', email)).toEqual({ email: 'UNSUBSCRIBED' });
    const dead = await harness.http.get('/v1/sync/dead-letters').set('authorization', ADMIN).expect(200);
    expect(dead.body.items).toEqual([]);
  });

  it('when an opt-out cannot be resolved (Klaviyo’s profile has no email), then it is dead-lettered as opt_out_unresolved, listed and replayable', async () => {
    harness = await startSyncHarness();
    const h = harness;
    await postProfiles(h, [{ distinct_id: 'crm-nobody-42', subscriptions: { email_marketing: false } }]).expect(202);
    await h.drained();
    const dead = await h.http.get('/v1/sync/dead-letters?kind=consent').set('authorization', ADMIN).expect(200);
    expect(dead.body.items).toHaveLength(1);
    expect(dead.body.items[0]).toMatchObject({ kind: 'consent', reason: 'opt_out_unresolved', error: { code: 'opt_out_unresolved' } });
    expect(dead.body.items[0].error.detail).toMatch(/no email/);

    // The CRM learns the email; Klaviyo's profile gets it; a replay now applies the opt-out.
    await postProfiles(h, [{ distinct_id: 'crm-nobody-42', email: 'found-later@example.com' }]).expect(202);
    await h.drained();
    const replay = await h.http.post('/v1/sync/dead-letters/replay').set('authorization', ADMIN).send({ kind: 'consent' }).expect(202);
    expect(replay.body.requeued).toBe(1);
    await h.drained();
    expect(consentOf(h, 'email', 'found-later@example.com')).toEqual({ email: 'UNSUBSCRIBED' });
  });

  it('when an opt-in lacks its channel’s identifier, then 400 names the field and nothing is stored; the same opt-out is accepted', async () => {
    harness = await startSyncHarness({ startWorker: false });
    const bad = await postProfiles(harness, [{ distinct_id: 'x-1', subscriptions: { email_marketing: true, sms_transactional: true } }]).expect(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['/profiles/0/subscriptions/email_marketing', '/profiles/0/subscriptions/sms_transactional']);
    expect((await harness.store.outbox.stats(new Date())).kinds.consent.pending).toBe(0);
    await postProfiles(harness, [{ distinct_id: 'x-1', subscriptions: { email_marketing: false, sms_marketing: false } }]).expect(202);
    expect((await harness.store.outbox.stats(new Date())).kinds.consent.pending).toBe(2);
  });

  it('when a bulk import job reports an invalid profile, then only that item is dead-lettered as import_error, after the job completed', async () => {
    harness = await startSyncHarness({ tuning: { profileBulkThreshold: 2 } });
    // E.164 in form (the edge accepts it) but no real number: a North American area code never starts with 1.
    await postProfiles(harness, [buildProfile(), buildProfile({ phone_number: '+15005550006' }), buildProfile({ phone_number: '+11005550100' })]).expect(202);
    await harness.drained();
    const dead = await harness.http.get('/v1/sync/dead-letters?kind=profile').set('authorization', ADMIN).expect(200);
    expect(dead.body.items.map((d: { reason: string }) => d.reason)).toEqual(['import_error']);
    expect(dead.body.items[0]).toMatchObject({ payload: { profile: { phone_number: '+11005550100' } }, error: { pointer: expect.stringMatching(/phone_number$/) } });
    expect((await harness.store.outbox.stats(new Date())).kinds.profile).toMatchObject({ delivered: 2, dead: 1, verifying: 0 });
  });
});
