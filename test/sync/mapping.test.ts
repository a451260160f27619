import { afterEach, describe, expect, it } from 'vitest';
import { buildOrder, buildOrderLine } from './support/builders.js';
import { INGEST, startSyncHarness, type SyncHarness } from './support/harness.js';

let harness: SyncHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const eventsOf = (h: SyncHarness, metric: string) => h.sandbox.data.events.events.filter((e) => e.metricName === metric);

describe('order mapping, delivered to the sandbox', () => {
  it('when an order with 3 lines is placed, then Klaviyo gets one Placed Order (value = total) and three Ordered Product with stable unique ids', async () => {
    harness = await startSyncHarness();
    const order = buildOrder({
      order_id: 'A-1001',
      total: 61.5,
      discount_codes: ['SPRING'],
      items: [
        buildOrderLine({ product_id: 'p1', name: 'Mug', quantity: 2, price: 10 }),
        buildOrderLine({ product_id: 'p2', name: 'Tea', quantity: 1, price: 21.5, brand: 'Leafy', categories: ['Tea'] }),
        buildOrderLine({ product_id: 'p3', name: 'Spoon', quantity: 4, price: 5 }),
      ],
    });
    const res = await harness.http.post('/v1/orders').set('authorization', INGEST).send(order);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ accepted: 1, duplicates: 0, ids: ['order:A-1001:placed'] });
    await harness.drained();

    const placed = eventsOf(harness, 'Placed Order');
    expect(placed).toHaveLength(1);
    expect(placed[0]).toMatchObject({ uniqueId: 'order:A-1001:placed', value: 61.5, valueCurrency: 'USD' });
    expect(placed[0]?.properties).toMatchObject({
      OrderId: 'A-1001',
      ItemNames: ['Mug', 'Tea', 'Spoon'],
      ItemCount: 7,
      Brands: ['Acme', 'Leafy'],
      Categories: ['Kitchen', 'Tea'],
      DiscountCodes: ['SPRING'],
    });
    const lines = eventsOf(harness, 'Ordered Product').sort((a, b) => a.uniqueId.localeCompare(b.uniqueId));
    expect(lines.map((e) => [e.uniqueId, e.value])).toEqual([
      ['order:A-1001:line:0', 20],
      ['order:A-1001:line:1', 21.5],
      ['order:A-1001:line:2', 20],
    ]);
    expect(lines[1]?.properties).toMatchObject({ ProductID: 'p2', ProductName: 'Tea', Quantity: 1, ItemPrice: 21.5, RowTotal: 21.5 });
  });

  it('when the same order is posted again, then it is a duplicate and nothing new reaches Klaviyo', async () => {
    harness = await startSyncHarness();
    const order = buildOrder({ order_id: 'A-2002' });
    await harness.http.post('/v1/orders').set('authorization', INGEST).send(order).expect(202);
    await harness.drained();
    const before = harness.sandbox.received().length;
    const outboxBefore = await harness.store.outbox.stats(new Date());

    const again = await harness.http.post('/v1/orders').set('authorization', INGEST).send(order);
    expect(again.body).toEqual({ accepted: 0, duplicates: 1, ids: ['order:A-2002:placed'] });
    // Nothing was queued, so the worker has nothing to send: the outbox is exactly as it was.
    const outboxAfter = await harness.store.outbox.stats(new Date());
    expect(outboxAfter.kinds).toEqual(outboxBefore.kinds);
    // Stopping the worker waits for any batch it had claimed: after it, nothing more can go out.
    await harness.worker.stop();
    expect(harness.sandbox.received().length).toBe(before);
    expect(harness.sandbox.report().duplicateEvents).toBe(0);
  });

  it('when an order is fulfilled, cancelled and refunded, then each status is its own event with value = total', async () => {
    harness = await startSyncHarness();
    const base = buildOrder({ order_id: 'A-3003', total: 40 });
    const statuses = [
      { ...base, status: 'fulfilled', tracking: { number: 'TRK1', carrier: 'UPS', url: 'https://track.example/TRK1' } },
      { ...base, status: 'cancelled', reason: 'customer request' },
      { ...base, status: 'refunded', reason: 'damaged' },
    ];
    const res = await harness.http.post('/v1/orders').set('authorization', INGEST).send({ orders: statuses });
    expect(res.body.ids).toEqual(['order:A-3003:fulfilled', 'order:A-3003:cancelled', 'order:A-3003:refunded']);
    await harness.drained();
    expect(eventsOf(harness, 'Fulfilled Order')[0]).toMatchObject({ value: 40, properties: expect.objectContaining({ TrackingNumber: 'TRK1', Carrier: 'UPS' }) });
    expect(eventsOf(harness, 'Cancelled Order')[0]).toMatchObject({ value: 40, properties: expect.objectContaining({ Reason: 'customer request' }) });
    expect(eventsOf(harness, 'Refunded Order')[0]).toMatchObject({ uniqueId: 'order:A-3003:refunded', value: 40 });
    expect(eventsOf(harness, 'Ordered Product')).toHaveLength(0);
  });
});
