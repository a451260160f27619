import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/store.js';
import type { InboxDeliveryInput, InboxEventInput } from '../../../src/store/webhook-inbox.js';
import type { StoreHarness } from './types.js';

let counter = 0;
export const buildInboxEvent = (overrides: Partial<InboxEventInput> = {}): InboxEventInput => {
  counter += 1;
  return { externalId: `evt-${counter}`, topic: 'event:klaviyo.opened_email', payload: { data: { id: counter } }, ...overrides };
};
export const buildInboxDelivery = (overrides: Partial<InboxDeliveryInput> = {}): InboxDeliveryInput => ({
  klaviyoAccountId: 'ACCT01',
  klaviyoWebhookId: 'wh-1',
  events: [buildInboxEvent()],
  ...overrides,
});

const t0 = new Date('2026-03-01T10:00:00Z');
const at = (offsetMs: number) => new Date(t0.getTime() + offsetMs);

export function inboxConformance(harness: StoreHarness): void {
  describe('webhook inbox', () => {
    let store: Store | undefined;
    afterEach(async () => {
      await store?.close();
      store = undefined;
    });

    it('when a delivery is stored, then its events are read back with their payloads, newest first', async () => {
      store = await harness.open();
      const a = buildInboxEvent({ payload: { nested: [1, 'x', null] } });
      const b = buildInboxEvent();
      expect(await store.inbox.storeDelivery(buildInboxDelivery({ events: [a, b] }), t0)).toEqual({ stored: 2, duplicates: 0 });
      const events = await store.inbox.list({ limit: 10 });
      expect(events.map((e) => e.externalId)).toEqual([b.externalId, a.externalId]);
      expect(events[1]).toMatchObject({ topic: a.topic, payload: a.payload, klaviyoAccountId: 'ACCT01', klaviyoWebhookId: 'wh-1', receivedAt: t0 });
      expect(events[1]?.dispatchedAt).toBeUndefined();
    });

    it('when an external_id is stored again or repeated in one delivery, then it is a duplicate and the first copy is kept', async () => {
      store = await harness.open();
      const first = buildInboxEvent({ payload: 'first' });
      await store.inbox.storeDelivery(buildInboxDelivery({ events: [first] }), t0);
      const fresh = buildInboxEvent();
      const result = await store.inbox.storeDelivery(
        buildInboxDelivery({ events: [{ ...first, payload: 'second' }, fresh, { ...fresh, payload: 'again' }] }),
        at(1),
      );
      expect(result).toEqual({ stored: 1, duplicates: 2 });
      const events = await store.inbox.list({ limit: 10 });
      expect(events).toHaveLength(2);
      expect(events.find((e) => e.externalId === first.externalId)?.payload).toBe('first');
    });

    it('when listing by topic, since and page, then only matching events come back in pages', async () => {
      store = await harness.open();
      for (let i = 0; i < 5; i += 1) {
        await store.inbox.storeDelivery(buildInboxDelivery({ events: [buildInboxEvent({ topic: i % 2 === 0 ? 'even' : 'odd' })] }), at(i * 1000));
      }
      expect((await store.inbox.list({ limit: 10, topic: 'even' })).map((e) => e.topic)).toEqual(['even', 'even', 'even']);
      expect(await store.inbox.list({ limit: 10, since: at(3000) })).toHaveLength(2);
      const page1 = await store.inbox.list({ limit: 2 });
      const page2 = await store.inbox.list({ limit: 2, beforeSeq: page1.at(-1)?.seq });
      const page3 = await store.inbox.list({ limit: 2, beforeSeq: page2.at(-1)?.seq });
      const seqs = [...page1, ...page2, ...page3].map((e) => e.seq);
      expect(seqs).toHaveLength(5);
      expect(seqs).toEqual([...seqs].sort((x, y) => y - x));
    });

    it('when events are dispatched, then only the others stay undispatched, oldest first, across a restart', async () => {
      store = await harness.open();
      const events = [buildInboxEvent(), buildInboxEvent(), buildInboxEvent()];
      await store.inbox.storeDelivery(buildInboxDelivery({ events }), t0);
      const pending = await store.inbox.listUndispatched(10);
      expect(pending.map((e) => e.externalId)).toEqual(events.map((e) => e.externalId));
      await store.inbox.markDispatched([pending[0]!.seq], at(5));
      store = await harness.reopen(store);
      expect((await store.inbox.listUndispatched(10)).map((e) => e.externalId)).toEqual([events[1]!.externalId, events[2]!.externalId]);
      expect((await store.inbox.list({ limit: 10 })).find((e) => e.seq === pending[0]!.seq)?.dispatchedAt).toEqual(at(5));
    });

    it('when deliveries sharing an external_id are stored concurrently, then it is stored once and counted once as a duplicate', async () => {
      store = await harness.open();
      const [a, b, c] = [buildInboxEvent(), buildInboxEvent(), buildInboxEvent()];
      const results = await Promise.all([
        store.inbox.storeDelivery(buildInboxDelivery({ events: [a!, b!] }), t0),
        store.inbox.storeDelivery(buildInboxDelivery({ events: [b!, c!] }), t0),
        store.inbox.storeDelivery(buildInboxDelivery({ events: [] }), t0),
      ]);
      expect(results.reduce((n, r) => n + r.stored, 0)).toBe(3);
      expect(results.reduce((n, r) => n + r.duplicates, 0)).toBe(1);
      expect(await store.inbox.list({ limit: 10 })).toHaveLength(3);
    });

    it('when a delivery carries 1,000 events, then all are stored in one call', async () => {
      store = await harness.open();
      const events = Array.from({ length: 1000 }, () => buildInboxEvent());
      expect(await store.inbox.storeDelivery(buildInboxDelivery({ events }), t0)).toEqual({ stored: 1000, duplicates: 0 });
      expect(await store.inbox.listUndispatched(2000)).toHaveLength(1000);
    });
  });
}
