import { describe, expect, it } from 'vitest';
import { allPages, buildBulkEvents, buildEvent, klaviyo, manualClock, startSandbox } from './klaviyo-support.js';

describe('Klaviyo sandbox: events', () => {
  it('when the same event (profile, metric, unique_id) arrives twice, then it is kept once and the duplicate is counted', async () => {
    const sandbox = await startSandbox();
    expect((await klaviyo(sandbox, 'POST', '/api/events', buildEvent({ uniqueId: 'order:1:placed' }))).status).toBe(202);
    expect((await klaviyo(sandbox, 'POST', '/api/events', buildEvent({ uniqueId: 'order:1:placed' }))).status).toBe(202);
    // Same unique_id for another profile or another metric is a different event.
    await klaviyo(sandbox, 'POST', '/api/events', buildEvent({ uniqueId: 'order:1:placed', email: 'other@example.org' }));
    await klaviyo(sandbox, 'POST', '/api/events', buildEvent({ uniqueId: 'order:1:placed', metric: 'Ordered Product' }));
    const report = sandbox.report();
    expect(report.eventsStored).toBe(3);
    expect(report.duplicateEvents).toBe(1);
    expect(report.eventsByMetric).toEqual({ 'Placed Order': 2, 'Ordered Product': 1 });
  });

  it('when two events without unique_id share profile, metric and second, then Klaviyo keeps only the first', async () => {
    const sandbox = await startSandbox();
    await klaviyo(sandbox, 'POST', '/api/events', buildEvent({ uniqueId: null, time: '2026-01-01T10:00:00.100Z' }));
    await klaviyo(sandbox, 'POST', '/api/events', buildEvent({ uniqueId: null, time: '2026-01-01T10:00:00.900Z' }));
    await klaviyo(sandbox, 'POST', '/api/events', buildEvent({ uniqueId: null, time: '2026-01-01T10:00:01.000Z' }));
    expect(sandbox.report()).toMatchObject({ eventsStored: 2, duplicateEvents: 1 });
  });

  it('when a bulk job groups events per profile, then each is stored once, the profile upserted, and duplicates counted', async () => {
    const sandbox = await startSandbox();
    const body = buildBulkEvents([
      { email: 'a@example.org', events: [{ uniqueId: 'v1' }, { uniqueId: 'v2' }] },
      { email: 'b@example.org', events: [{ uniqueId: 'v1' }] },
    ]);
    expect((await klaviyo(sandbox, 'POST', '/api/event-bulk-create-jobs', body)).status).toBe(202);
    expect((await klaviyo(sandbox, 'POST', '/api/event-bulk-create-jobs', body)).status).toBe(202);
    const report = sandbox.report();
    expect(report).toMatchObject({ eventsStored: 3, duplicateEvents: 3, profilesCreated: 2 });
    expect(report.bulkJobs.filter((job) => job.kind === 'event-bulk-create')).toHaveLength(2);
    expect(sandbox.data.profiles.lookup('email', 'A@example.org')).not.toBeNull();
  });

  it('when an event time is before 2000 or over a year ahead, then 400 pointing at time', async () => {
    const clock = manualClock(Date.UTC(2026, 0, 1));
    const sandbox = await startSandbox({ now: clock.now });
    const early = await klaviyo(sandbox, 'POST', '/api/events', buildEvent({ time: '1999-12-31T23:59:59Z' }));
    expect(early.body.errors[0].source.pointer).toBe('/data/attributes/time');
    expect((await klaviyo(sandbox, 'POST', '/api/events', buildEvent({ time: '2027-06-01T00:00:00Z' }))).status).toBe(400);
  });

  it('when events are listed by metric and time, then seeded Placed Orders in the window and stored events are served', async () => {
    const sandbox = await startSandbox();
    const { truth } = sandbox;
    const since = new Date(truth.anchorTimeMs - 90 * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const filter = `and(equals(metric_id,"${truth.placedOrderMetricId}"),greater-or-equal(datetime,${since}))`;
    const seeded = await allPages(sandbox, `/api/events?filter=${encodeURIComponent(filter)}&page[size]=100`);
    expect(seeded).toHaveLength(truth.productAffinity.orders);
    expect(seeded[0].attributes.event_properties.Items[0]).toMatchObject({ ProductID: expect.any(String), Quantity: expect.any(Number) });

    await klaviyo(sandbox, 'POST', '/api/events', buildEvent({ uniqueId: 'fresh', value: 12.5 }));
    const after = await allPages(sandbox, `/api/events?filter=${encodeURIComponent(filter)}&page[size]=1000`);
    expect(after).toHaveLength(truth.productAffinity.orders + 1);
    expect(after.at(-1).attributes.event_properties).toMatchObject({ OrderId: 'A-1', $value: 12.5 });

    const otherMetric = (await klaviyo(sandbox, 'GET', '/api/metrics')).body.data.find((metric: { attributes: { name: string } }) => metric.attributes.name === 'Opened Email');
    const none = await klaviyo(sandbox, 'GET', `/api/events?filter=${encodeURIComponent(`equals(metric_id,"${otherMetric.id}")`)}`);
    expect(none.body.data).toEqual([]);
  });
});
