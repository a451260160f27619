import { afterEach, describe, expect, it } from 'vitest';
import { profileIdOf } from '../../sandbox/klaviyo/ids.js';
import { ADMIN, INGEST, startSyncHarness, type SyncHarness } from './support/harness.js';

/**
 * Lists, identity conflicts and backfill end to end: the service as server.ts builds it, against the
 * Klaviyo sandbox behaving as live Klaviyo does (list relationships by profile id, 409
 * duplicate_profile naming the other profile, backfill events that trigger no flow).
 */
let harness: SyncHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const postProfiles = (h: SyncHarness, profiles: unknown[]) => h.http.post('/v1/profiles').set('authorization', INGEST).send({ profiles }).expect(202);
const deadLetters = async (h: SyncHarness, kind: string) => (await h.http.get(`/v1/sync/dead-letters?kind=${kind}`).set('authorization', ADMIN).expect(200)).body.items as Array<{ reason: string; error: Record<string, unknown> }>;
const profileIndex = (h: SyncHarness, field: 'email' | 'phone_number', value: string) => {
  const index = h.sandbox.data.profiles.lookup(field, value);
  expect(index, `${field} ${value} in Klaviyo`).not.toBeNull();
  return index as number;
};

describe('person data against the sandbox', () => {
  it('when profiles join and leave lists, then Klaviyo\'s membership follows, consent is untouched, and an unknown list is a dead letter with Klaviyo\'s reason', async () => {
    harness = await startSyncHarness();
    const h = harness;
    const [first, second] = h.sandbox.data.account.lists.map((l) => l.id);
    expect(first && second).toBeTruthy();
    await postProfiles(h, [
      { email: 'ada@example.com', first_name: 'Ada', lists: { add: [first, second] } },
      { email: 'bo@example.com', lists: { add: [first] } },
    ]);
    await h.drained();
    const ada = profileIdOf(profileIndex(h, 'email', 'ada@example.com'));
    const bo = profileIdOf(profileIndex(h, 'email', 'bo@example.com'));
    expect(h.sandbox.data.listMemberIds(first as string).sort()).toEqual([ada, bo].sort());
    expect(h.sandbox.data.listMemberIds(second as string)).toEqual([ada]);

    await postProfiles(h, [{ email: 'ada@example.com', lists: { remove: [first] } }, { email: 'cy@example.com', lists: { add: ['Zz9Zz9'] } }]);
    await h.drained();
    expect(h.sandbox.data.listMemberIds(first as string)).toEqual([bo]);
    expect(h.sandbox.data.listMemberIds(second as string)).toEqual([ada]);
    expect(h.sandbox.report().subscriptions).toEqual({ emailSubscribed: 0, smsSubscribed: 0, unsubscribed: 0 });
    const dead = await deadLetters(h, 'list');
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ reason: 'klaviyo_rejected', error: { status: 404, detail: expect.stringContaining('Zz9Zz9') } });
    expect(h.sandbox.report().requests.byClass).toMatchObject({ add_profiles_to_list: expect.any(Number), remove_profiles_from_list: 1 });
  });

  it('when an update\'s email and phone belong to two Klaviyo profiles, then by default it is dead-lettered as identity_conflict naming the other profile', async () => {
    harness = await startSyncHarness();
    const h = harness;
    await postProfiles(h, [{ email: 'ada@example.com' }, { phone_number: '+15005550006' }]);
    await h.drained();
    const holder = profileIdOf(profileIndex(h, 'phone_number', '+15005550006'));
    await postProfiles(h, [{ email: 'ada@example.com', phone_number: '+15005550006', first_name: 'Ada' }]);
    await h.drained();
    const dead = await deadLetters(h, 'profile');
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ reason: 'identity_conflict', error: { status: 409, code: 'duplicate_profile', duplicate_profile_id: holder } });
    expect(h.sandbox.data.profiles.attributes(profileIndex(h, 'email', 'ada@example.com'))?.first_name ?? null).toBeNull();
  });

  it('when KLAVIYO_IDENTITY_CONFLICT=drop_phone, then the update lands without the phone, which stays with its profile', async () => {
    harness = await startSyncHarness({ env: { KLAVIYO_IDENTITY_CONFLICT: 'drop_phone' } });
    const h = harness;
    await postProfiles(h, [{ email: 'ada@example.com' }, { phone_number: '+15005550006' }]);
    await h.drained();
    await postProfiles(h, [{ email: 'ada@example.com', phone_number: '+15005550006', first_name: 'Ada' }]);
    await h.drained();
    expect(await deadLetters(h, 'profile')).toEqual([]);
    const ada = h.sandbox.data.profiles.attributes(profileIndex(h, 'email', 'ada@example.com'));
    expect(ada).toMatchObject({ first_name: 'Ada' });
    expect(ada?.phone_number ?? null).toBeNull();
    expect(profileIndex(h, 'phone_number', '+15005550006')).not.toBe(profileIndex(h, 'email', 'ada@example.com'));
  });

  it('when KLAVIYO_IDENTITY_CONFLICT=update_existing, then the profile Klaviyo named gets the attributes, its identifiers untouched', async () => {
    harness = await startSyncHarness({ env: { KLAVIYO_IDENTITY_CONFLICT: 'update_existing' } });
    const h = harness;
    await postProfiles(h, [{ email: 'ada@example.com' }, { phone_number: '+15005550006' }]);
    await h.drained();
    await postProfiles(h, [{ email: 'ada@example.com', phone_number: '+15005550006', first_name: 'Ada', properties: { plan: 'pro' } }]);
    await h.drained();
    expect(await deadLetters(h, 'profile')).toEqual([]);
    const named = h.sandbox.data.profiles.attributes(profileIndex(h, 'phone_number', '+15005550006'));
    expect(named).toMatchObject({ first_name: 'Ada', properties: { plan: 'pro' } });
    expect(named?.email ?? null).toBeNull();
  });

  it('when events and orders are sent as a backfill, then Klaviyo stores them but no flow fires for them, while live ones still trigger', async () => {
    harness = await startSyncHarness();
    const h = harness;
    const before = h.sandbox.report().flowTriggers.byMetric['Viewed Product'] ?? 0;
    await h.http.post('/v1/events').set('authorization', INGEST).send({
      backfill: true,
      events: [0, 1, 2].map((i) => ({ event_name: 'Viewed Product', email: 'ada@example.com', insert_id: `old-view-${i}`, event_time: '2025-01-0' + (i + 1) + 'T10:00:00Z' })),
    }).expect(202);
    await h.http.post('/v1/events').set('authorization', INGEST).send({ event_name: 'Viewed Product', email: 'ada@example.com', insert_id: 'live-view' }).expect(202);
    await h.http.post('/v1/orders').set('authorization', INGEST).send({
      backfill: true,
      orders: [{ order_id: 'OLD-1', occurred_at: '2025-02-01T10:00:00Z', customer: { email: 'ada@example.com' }, currency: 'USD', total: 20, items: [{ product_id: 'mug', quantity: 2, price: 10 }] }],
    }).expect(202);
    await h.drained();
    const report = h.sandbox.report();
    expect(report.eventsByMetric).toMatchObject({ 'Viewed Product': expect.any(Number), 'Placed Order': expect.any(Number), 'Ordered Product': expect.any(Number) });
    // 3 views + the order's Placed Order and its one line, all recorded as backfill.
    expect(report.backfillEvents).toBe(5);
    expect((report.flowTriggers.byMetric['Viewed Product'] ?? 0) - before).toBe(1);
    expect(report.flowTriggers.byMetric['Placed Order'] ?? 0).toBe(0);
  });
});
