import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildEvent, buildProfile } from './support/builders.js';
import { ADMIN, INGEST, startSyncHarness, type SyncHarness } from './support/harness.js';

let harness: SyncHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const post = (h: SyncHarness, events: Record<string, unknown>[]) => h.http.post('/v1/events').set('authorization', INGEST).send({ events }).expect(202);

describe('sync outcomes against the sandbox', () => {
  it('when Klaviyo answers 503 for a while and then recovers, then everything is delivered once and nothing is dead-lettered', async () => {
    harness = await startSyncHarness();
    harness.sandbox.faults.set({ errors: { rate: 1, status: 503 } });
    const events = Array.from({ length: 300 }, () => buildEvent());
    await post(harness, events);
    // A batch has failed with 503 after the client's own retries (the worker recorded it), and
    // still nothing is delivered.
    const h = harness;
    await vi.waitFor(
      async () => {
        expect(h.sandbox.report().requests.byStatus['503']).toBeGreaterThan(1);
        expect((await h.http.get('/v1/sync').set('authorization', ADMIN)).body.last_error).toMatchObject({ status: 503, kind: 'event' });
      },
      { timeout: 5_000, interval: 10 },
    );
    const during = await harness.store.outbox.stats(new Date());
    expect(during.kinds.event.delivered).toBe(0);

    harness.sandbox.faults.reset();
    await harness.drained();
    const stats = await harness.store.outbox.stats(new Date());
    expect(stats.kinds.event).toMatchObject({ delivered: 300, dead: 0 });
    expect(harness.sandbox.report().eventsStored).toBe(300);
    const status = await harness.http.get('/v1/sync').set('authorization', ADMIN);
    expect(status.body.last_error).toMatchObject({ status: 503, kind: 'event' });
  });

  it('when Klaviyo throttles with 429, then items wait without spending attempts and are all delivered', async () => {
    harness = await startSyncHarness();
    harness.sandbox.faults.set({ storms: [{ limitClass: 'bulk_create_events', requests: 3, retryAfterSeconds: 0.2 as number }] });
    await post(harness, Array.from({ length: 50 }, () => buildEvent()));
    await harness.drained();
    expect(harness.sandbox.report().eventsStored).toBe(50);
    expect(harness.sandbox.report().limitClasses['bulk_create_events']?.throttled).toBe(3);
    expect((await harness.store.outbox.listDeadLetters({ limit: 10 })).items).toEqual([]);
  });

  it('when Klaviyo rejects one event of a batch, then only it is dead-lettered with Klaviyo’s error, the rest are delivered, and replay delivers it once valid', async () => {
    // Klaviyo's clock runs 30 days behind ours: an event 360 days ahead is "more than a year" to it.
    let skewMs = -30 * 86_400_000;
    harness = await startSyncHarness({ sandbox: { now: () => Date.now() + skewMs } });
    const future = buildEvent({ insert_id: 'too-far', event_time: new Date(Date.now() + 360 * 86_400_000).toISOString() });
    await post(harness, [buildEvent(), future, buildEvent()]);
    await harness.drained();
    expect(harness.sandbox.report().eventsStored).toBe(2);

    const dead = await harness.http.get('/v1/sync/dead-letters?kind=event').set('authorization', ADMIN);
    expect(dead.status).toBe(200);
    expect(dead.body.items).toHaveLength(1);
    expect(dead.body.items[0]).toMatchObject({
      kind: 'event',
      payload: { event: { unique_id: 'too-far' } },
      error: { status: 400, code: 'invalid', pointer: expect.stringMatching(/events-bulk-create\/data\/\d+\/attributes\/events\/data\/0\/attributes\/time$/) },
    });

    skewMs = 0;
    const replay = await harness.http.post('/v1/sync/dead-letters/replay').set('authorization', ADMIN).send({ ids: [dead.body.items[0].id] });
    expect(replay.status).toBe(202);
    expect(replay.body).toEqual({ requeued: 1 });
    await harness.drained();
    expect(harness.sandbox.report().eventsStored).toBe(3);
    expect((await harness.store.outbox.stats(new Date())).kinds.event).toMatchObject({ delivered: 3, dead: 0 });
  });

  it('when Klaviyo rejects the key, then the worker pauses, /readyz fails, items stay pending, and delivery resumes once the key works', async () => {
    harness = await startSyncHarness();
    harness.sandbox.faults.set({ authFailure: true });
    await post(harness, [buildEvent(), buildEvent()]);
    const h = harness;
    // Until the 401 has been seen and its batch handed back: then all of this holds at once.
    await vi.waitFor(
      async () => {
        const ready = await h.http.get('/readyz');
        expect(ready.status).toBe(503);
        expect(ready.body.checks.klaviyo.ok).toBe(false);
        expect(await h.metrics.registry.getSingleMetricAsString('klaviyo_auth_failing')).toMatch(/klaviyo_auth_failing 1/);
        expect((await h.store.outbox.stats(new Date())).kinds.event).toMatchObject({ pending: 2, in_flight: 0, dead: 0 });
      },
      { timeout: 5_000, interval: 10 },
    );
    expect(h.sandbox.report().requests.byStatus['401']).toBeGreaterThanOrEqual(1);

    harness.sandbox.faults.set({ authFailure: false });
    await harness.drained();
    expect((await harness.http.get('/readyz')).status).toBe(200);
    expect(harness.sandbox.report().eventsStored).toBe(2);
  });

  it('when items are pending, then /metrics shows outbox depth and oldest pending age by kind', async () => {
    harness = await startSyncHarness({ startWorker: false });
    await post(harness, [buildEvent()]);
    await harness.worker.start();
    await harness.worker.stop();
    const text = (await harness.http.get('/metrics')).text;
    expect(text).toMatch(/outbox_depth\{kind="event",state="pending"\} [01]/);
    expect(text).toMatch(/outbox_oldest_pending_age_seconds\{kind="event"\}/);
  });

  it('when the worker stops while a profile import job runs, then stop ends the job-poll wait at once, the items stay verifying, and a restarted worker settles them once the job completes', async () => {
    // The import job runs a minute, the verifier polls it once a minute, and stop()'s own bound is a
    // minute: none of those can end stop() within this test's timeout, only stop() waking the wait.
    // Klaviyo's clock is ours plus `aheadMs`, so the job's minute passes without waiting for it.
    let aheadMs = 0;
    harness = await startSyncHarness({
      tuning: { profileBulkThreshold: 2, importJobPollMs: 60_000, stopTimeoutMs: 60_000 },
      sandbox: { now: () => Date.now() + aheadMs, live: { profileImportJobMs: 60_000 } },
    });
    const h = harness;
    const profiles = [0, 1, 2].map((i) => buildProfile({ email: `stopping-${i}@example.com` }));
    await h.http.post('/v1/profiles').set('authorization', INGEST).send({ profiles }).expect(202);
    await vi.waitFor(async () => expect((await h.store.outbox.stats(new Date())).kinds.profile.verifying).toBe(3), { timeout: 5_000 });
    // The verifier has polled the job once (Klaviyo answers "queued") and is into its minute's wait.
    await vi.waitFor(() => expect(h.sandbox.received().filter((r) => r.path.startsWith('/api/profile-bulk-import-jobs/'))).not.toHaveLength(0), { timeout: 5_000 });

    await h.worker.stop();
    expect((await h.store.outbox.stats(new Date())).kinds.profile).toMatchObject({ pending: 0, in_flight: 0, verifying: 3, delivered: 0 });

    aheadMs = 61_000;
    await h.worker.start();
    await vi.waitFor(async () => expect((await h.store.outbox.stats(new Date())).kinds.profile).toMatchObject({ verifying: 0, delivered: 3 }), { timeout: 10_000 });
    expect(h.sandbox.data.profiles.lookup('email', 'stopping-2@example.com')).not.toBeNull();
  });
});
