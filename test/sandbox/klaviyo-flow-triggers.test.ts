import { describe, expect, it } from 'vitest';
import { buildBulkEvents, buildEvent, klaviyo, startSandbox } from './klaviyo-support.js';
import type { KlaviyoSandbox } from '../../sandbox/klaviyo/index.js';

/** The live seeded flows a metric triggers, as `{flowId: count}` for one event each. */
function flowsTriggeredBy(sandbox: KlaviyoSandbox, metric: string, times = 1): Record<string, number> {
  const flows = sandbox.data.account.flows.flows.filter((flow) => flow.status === 'live' && flow.triggerMetric === metric);
  return Object.fromEntries(flows.map((flow) => [flow.id, times]));
}

describe('Klaviyo sandbox: flow triggers and backfill', () => {
  it('when the seeded flows are read, then Metric flows name their trigger deterministically and the others have none', async () => {
    const sandbox = await startSandbox();
    const flows = sandbox.data.account.flows.flows.map((flow) => [flow.name, flow.status, flow.triggerType, flow.triggerMetric]);
    expect(flows).toEqual([
      ['Welcome Series', 'live', 'Added to List', null],
      ['Abandoned Cart', 'live', 'Metric', 'Started Checkout'],
      ['Browse Abandonment', 'live', 'Metric', 'Viewed Product'],
      ['Post-Purchase Thank You', 'live', 'Metric', 'Placed Order'],
      ['Win-back', 'live', 'Metric', 'Placed Order'],
      ['Birthday Treat', 'live', 'Date Based', null],
      ['Back in Stock', 'draft', 'Low Inventory', null],
    ]);
  });

  it('when a Placed Order event is stored, then each live flow it triggers counts one trigger; with backfill: true it is stored and counted but triggers nothing', async () => {
    const sandbox = await startSandbox();
    const placedOrderFlows = flowsTriggeredBy(sandbox, 'Placed Order');
    expect(Object.keys(placedOrderFlows)).toHaveLength(2);
    expect((await klaviyo(sandbox, 'POST', '/api/events', buildEvent({ uniqueId: 'live-1' }))).status).toBe(202);
    const backfill = buildEvent({ uniqueId: 'old-1', time: '2025-01-02T03:04:05Z' });
    (backfill.data.attributes as Record<string, unknown>).backfill = true;
    expect((await klaviyo(sandbox, 'POST', '/api/events', backfill)).status).toBe(202);

    const report = sandbox.report();
    expect(report).toMatchObject({ eventsStored: 2, eventsByMetric: { 'Placed Order': 2 }, backfillEvents: 1 });
    expect(report.flowTriggers).toEqual({ total: 2, byFlow: placedOrderFlows, byMetric: { 'Placed Order': 2 } });
    expect(sandbox.data.events.events.map((event) => event.backfill)).toEqual([false, true]);
  });

  it('when a bulk job sets backfill on a group, then its events trigger nothing unless an event says backfill: false; an event flag works in any group', async () => {
    const sandbox = await startSandbox();
    const body = buildBulkEvents([
      { email: 'history@example.org', events: [{ metric: 'Viewed Product', uniqueId: 'v1' }, { metric: 'Viewed Product', uniqueId: 'v2' }] },
      { email: 'now@example.org', events: [{ metric: 'Viewed Product', uniqueId: 'v3' }, { metric: 'Placed Order', uniqueId: 'p1' }] },
    ]);
    const [historical, current] = body.data.attributes['events-bulk-create'].data as Array<{ attributes: Record<string, unknown> & { events: { data: Array<{ attributes: Record<string, unknown> }> } } }>;
    historical!.attributes.backfill = true;
    historical!.attributes.events.data[1]!.attributes.backfill = false;
    current!.attributes.events.data[1]!.attributes.backfill = true;
    expect((await klaviyo(sandbox, 'POST', '/api/event-bulk-create-jobs', body)).status).toBe(202);

    const report = sandbox.report();
    expect(report).toMatchObject({ eventsStored: 4, backfillEvents: 2 });
    expect(report.flowTriggers).toEqual({ total: 2, byFlow: flowsTriggeredBy(sandbox, 'Viewed Product', 2), byMetric: { 'Viewed Product': 2 } });
  });

  it('when an event is a duplicate, names a metric no flow listens to, or only a draft flow does, then nothing is triggered', async () => {
    const sandbox = await startSandbox();
    await klaviyo(sandbox, 'POST', '/api/events', buildEvent({ metric: 'Started Checkout', uniqueId: 'c1' }));
    await klaviyo(sandbox, 'POST', '/api/events', buildEvent({ metric: 'Started Checkout', uniqueId: 'c1' }));
    await klaviyo(sandbox, 'POST', '/api/events', buildEvent({ metric: 'Opened Email', uniqueId: 'e1' }));
    expect(sandbox.report()).toMatchObject({ eventsStored: 2, duplicateEvents: 1 });
    expect(sandbox.report().flowTriggers).toEqual({ total: 1, byFlow: flowsTriggeredBy(sandbox, 'Started Checkout'), byMetric: { 'Started Checkout': 1 } });

    // Two live flows (Welcome Series, Abandoned Cart) and the draft, which here is Browse Abandonment.
    const small = await startSandbox({ scale: { flows: 2 } });
    expect(small.data.account.flows.flows.find((flow) => flow.triggerMetric === 'Viewed Product')?.status).toBe('draft');
    await klaviyo(small, 'POST', '/api/events', buildEvent({ metric: 'Viewed Product', uniqueId: 'v1' }));
    expect(small.report()).toMatchObject({ eventsStored: 1, flowTriggers: { total: 0, byFlow: {}, byMetric: {} } });
  });

  it('when a backfill event is refused by the schema (not a boolean), then 400 on backfill and nothing is stored', async () => {
    const sandbox = await startSandbox();
    const body = buildEvent({ uniqueId: 'x' });
    (body.data.attributes as Record<string, unknown>).backfill = 'yes';
    const answer = await klaviyo(sandbox, 'POST', '/api/events', body);
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].source.pointer).toBe('/data/attributes/backfill');
    expect(sandbox.report()).toMatchObject({ eventsStored: 0, backfillEvents: 0, flowTriggers: { total: 0 } });
  });
});
