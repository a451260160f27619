import { afterEach, describe, expect, it } from 'vitest';
import { buildEvent, buildProfile } from '../sync/support/builders.js';
import { ADMIN, INGEST, startSyncHarness, type SyncHarness } from '../sync/support/harness.js';

let harness: SyncHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('ingest: accepted items', () => {
  it('when a batch repeats insert_ids, then repeats count as duplicates and ids follow request order', async () => {
    harness = await startSyncHarness({ startWorker: false });
    const a = buildEvent({ insert_id: 'dup-a' });
    const b = buildEvent({ insert_id: 'dup-b' });
    const res = await harness.http.post('/v1/events').set('authorization', INGEST).send({ events: [a, b, a] });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ accepted: 2, duplicates: 1, ids: ['dup-a', 'dup-b', 'dup-a'] });
    const again = await harness.http.post('/v1/events').set('authorization', INGEST).send(b);
    expect(again.body).toEqual({ accepted: 0, duplicates: 1, ids: ['dup-b'] });
    expect((await harness.store.outbox.stats(new Date())).kinds.event.pending).toBe(2);
    expect(await harness.metrics.registry.getSingleMetricAsString('ingested_items_total')).toMatch(/kind="event",result="duplicate"} 2/);
  });

  it('when an event has no insert_id, then a content hash dedupes a retried request', async () => {
    harness = await startSyncHarness({ startWorker: false });
    const event = buildEvent({ insert_id: undefined });
    const first = await harness.http.post('/v1/events').set('authorization', INGEST).send(event);
    const retry = await harness.http.post('/v1/events').set('authorization', INGEST).send(event);
    expect(first.body.ids[0]).toMatch(/^h:/);
    expect(retry.body).toEqual({ accepted: 0, duplicates: 1, ids: first.body.ids });
  });

  it('when one person is updated twice while pending, then Klaviyo receives one merged update (last write wins per field) and the consent job', async () => {
    harness = await startSyncHarness({ startWorker: false });
    const person = { email: 'merge@example.com', phone_number: '+15005550006' };
    await harness.http.post('/v1/profiles').set('authorization', INGEST).send(buildProfile({ ...person, first_name: 'Ada', properties: { plan: 'free', tier: 1 } })).expect(202);
    const second = await harness.http
      .post('/v1/profiles')
      .set('authorization', INGEST)
      .send(buildProfile({ ...person, first_name: 'Ada', last_name: 'King', properties: { plan: 'pro' }, subscriptions: { email_marketing: true } }));
    expect(second.body).toEqual({ accepted: 1, duplicates: 0, ids: ['merge@example.com'] });
    expect((await harness.store.outbox.stats(new Date())).kinds.profile.pending).toBe(1);

    await harness.worker.start();
    await harness.drained();
    const index = harness.sandbox.data.profiles.lookup('email', 'merge@example.com');
    const profile = index === null ? null : harness.sandbox.data.profiles.attributes(index);
    const report = harness.sandbox.report();
    expect(report.requests.byClass['create_or_update_profile']).toBe(1);
    expect(report.subscriptions.emailSubscribed).toBeGreaterThanOrEqual(1);
    expect(report.subscriptions.smsSubscribed).toBe(0);
    expect(profile).toMatchObject({ first_name: 'Ada', last_name: 'King', properties: { plan: 'pro', tier: 1 } });

    const status = await harness.http.get('/v1/sync').set('authorization', ADMIN);
    expect(status.body.kinds.profile).toMatchObject({ pending: 0, delivered: 1 });
    expect(status.body.kinds.consent).toMatchObject({ delivered: 1 });
  });
});
