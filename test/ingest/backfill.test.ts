import { describe, expect, it } from 'vitest';
import { mapEvent } from '../../services/sync/event-mapping.js';
import { createIngestRequests } from '../../services/sync/ingest-requests.js';
import { mapOrder } from '../../services/sync/order-mapping.js';
import type { EventPayload } from '../../services/sync/klaviyo-payloads.js';
import { ValidationError } from '../../src/lib/errors.js';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const requests = createIngestRequests(() => NOW);
const event = (extra: Record<string, unknown> = {}) => ({ event_name: 'Viewed Product', email: 'ada@example.com', insert_id: `e-${Math.random()}`, ...extra });
const order = (extra: Record<string, unknown> = {}) => ({
  order_id: 'A-1',
  customer: { email: 'ada@example.com' },
  currency: 'USD',
  total: 30,
  items: [{ product_id: 'p1', quantity: 1, price: 10 }, { product_id: 'p2', quantity: 2, price: 10 }],
  ...extra,
});
const backfillOf = (entry: ReturnType<typeof mapOrder>) => entry.items.map((item) => (item.payload as unknown as EventPayload).event.backfill);

describe('backfill (historical imports trigger no flow)', () => {
  it('when an event says backfill, then its Klaviyo event carries the flag; without it, the event has no backfill key at all', () => {
    const [flagged, plain] = [...requests.events.parse(event({ backfill: true })), ...requests.events.parse(event())];
    expect((mapEvent(flagged!, 'u1', new Date(NOW)).items[0]?.payload as unknown as EventPayload).event.backfill).toBe(true);
    expect(Object.keys((mapEvent(plain!, 'u2', new Date(NOW)).items[0]?.payload as unknown as EventPayload).event)).not.toContain('backfill');
  });

  it('when a batch sets backfill once, then every item inherits it, and an item that says false keeps its own', () => {
    const items = requests.events.parse({ backfill: true, events: [event(), event(), event({ backfill: false })] });
    expect(items.map((e) => e.backfill)).toEqual([true, true, false]);
    expect(requests.events.parse({ events: [event()] })[0]?.backfill).toBeUndefined();
  });

  it('when an order is a backfill, then the order event and every Ordered Product line carry the flag', () => {
    const [flagged] = requests.orders.parse({ orders: [order()], backfill: true });
    expect(backfillOf(mapOrder(flagged!, new Date(NOW)))).toEqual([true, true, true]);
    const [plain] = requests.orders.parse(order());
    expect(backfillOf(mapOrder(plain!, new Date(NOW)))).toEqual([undefined, undefined, undefined]);
  });

  it('when backfill is not a boolean, or is set on a profiles batch, then the request is refused naming the field', () => {
    const refusal = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return error instanceof ValidationError ? (error.errors ?? []).map((e) => e.path) : error;
      }
      return 'accepted';
    };
    expect(refusal(() => requests.events.parse(event({ backfill: 'yes' })))).toEqual(['/backfill']);
    expect(refusal(() => requests.events.parse({ backfill: 1, events: [event()] }))).toEqual(['/backfill']);
    expect(refusal(() => requests.profiles.parse({ backfill: true, profiles: [{ email: 'ada@example.com' }] }))).not.toBe('accepted');
  });
});
