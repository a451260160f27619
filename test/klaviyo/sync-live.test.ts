import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildEvent } from '../sync/support/builders.js';
import { INGEST, startSyncHarness, type SyncHarness } from '../sync/support/harness.js';

/**
 * The whole service (app, outbox, sync worker, Klaviyo client) against a sandbox that answers as
 * live Klaviyo does: a retired revision and the edge proxy's challenge.
 */
let harness: SyncHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const post = (h: SyncHarness, events: Record<string, unknown>[]) => h.http.post('/v1/events').set('authorization', INGEST).send({ events }).expect(202);

describe('the service against live-shaped Klaviyo answers', () => {
  it('when Klaviyo has retired the pinned revision (410), then items stay pending, klaviyo_revision_retired is 1, /readyz says to raise KLAVIYO_REVISION, and it is logged once', async () => {
    harness = await startSyncHarness({ sandbox: { live: { retiredRevisions: ['2026-07-15'] } } });
    const h = harness;
    await post(h, [buildEvent(), buildEvent()]);
    await vi.waitFor(
      async () => {
        const ready = await h.http.get('/readyz');
        expect(ready.status).toBe(503);
        expect(ready.body.checks.klaviyo).toEqual({ ok: false, detail: expect.stringMatching(/410 Gone: revision 2026-07-15 is retired; raise KLAVIYO_REVISION/) });
      },
      { timeout: 5_000 },
    );
    // Let the worker come back after its pause and meet the 410 again.
    await vi.waitFor(() => expect(h.sandbox.received().filter((r) => r.status === 410).length).toBeGreaterThanOrEqual(2), { timeout: 5_000 });
    expect(await h.metrics.registry.getSingleMetricAsString('klaviyo_revision_retired')).toMatch(/klaviyo_revision_retired 1/);
    expect(await h.metrics.registry.getSingleMetricAsString('klaviyo_auth_failing')).toMatch(/klaviyo_auth_failing 0/);
    const events = (await h.store.outbox.stats(new Date())).kinds.event;
    expect(events).toMatchObject({ dead: 0, delivered: 0 });
    expect(events.pending + events.in_flight).toBe(2); // pending, or leased for the next try: never given up
    expect(h.sandbox.report().eventsStored).toBe(0);
    const retiredLogs = h.logs.lines.filter((line) => line.includes('is retired; raise KLAVIYO_REVISION') && line.includes('"level":50'));
    expect(retiredLogs).toHaveLength(1);
  });

  it('when the edge proxy answers an HTML 403 (cf-mitigated: challenge), then the request is retried, nothing pauses as for a bad key, and everything is delivered', async () => {
    harness = await startSyncHarness();
    const h = harness;
    h.sandbox.faults.set({ edgeChallengeNext: 1 });
    await post(h, [buildEvent(), buildEvent(), buildEvent()]);
    await h.drained();
    expect((await h.store.outbox.stats(new Date())).kinds.event).toMatchObject({ delivered: 3, dead: 0 });
    expect(h.sandbox.report().eventsStored).toBe(3);
    expect(h.sandbox.received().map((r) => r.status)).toContain(403);
    expect(await h.metrics.registry.getSingleMetricAsString('klaviyo_auth_failing')).toMatch(/klaviyo_auth_failing 0/);
    expect(h.logs.text()).not.toMatch(/rejected the API key/);
  });
});
