import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/store.js';
import type { StoreHarness } from './types.js';
import { buildInboxDelivery, buildInboxEvent } from './webhook-inbox.js';

const t0 = new Date('2026-03-01T10:00:00Z');
const at = (offsetMs: number) => new Date(t0.getTime() + offsetMs);

async function storeEvents(store: Store, n: number) {
  await store.inbox.storeDelivery(buildInboxDelivery({ events: Array.from({ length: n }, () => buildInboxEvent()) }), t0);
  return (await store.inbox.listUndispatched(n)).map((e) => e.seq);
}

export function forwardsConformance(harness: StoreHarness): void {
  describe('webhook forwards', () => {
    let store: Store | undefined;
    afterEach(async () => {
      await store?.close();
      store = undefined;
    });

    it('when a pair is enqueued twice, then one delivery exists and it is claimed with its event', async () => {
      store = await harness.open();
      const [seq] = await storeEvents(store, 1);
      expect(await store.forwards.enqueue([{ eventSeq: seq!, targetUrl: 'http://a/hook' }], t0)).toBe(1);
      expect(await store.forwards.enqueue([{ eventSeq: seq!, targetUrl: 'http://a/hook' }], t0)).toBe(0);
      const claimed = await store.forwards.claimDue(t0, 10, 30_000);
      expect(claimed).toHaveLength(1);
      expect(claimed[0]).toMatchObject({ eventSeq: seq, targetUrl: 'http://a/hook', state: 'pending', attempts: 0, klaviyoWebhookId: 'wh-1' });
      expect(claimed[0]?.payload).toEqual({ data: expect.any(Object) });
    });

    it('when a claim is leased, then it is not claimed again until the lease ends (a crashed sender)', async () => {
      store = await harness.open();
      const [seq] = await storeEvents(store, 1);
      await store.forwards.enqueue([{ eventSeq: seq!, targetUrl: 'http://a/hook' }], t0);
      expect(await store.forwards.claimDue(t0, 10, 30_000)).toHaveLength(1);
      expect(await store.forwards.claimDue(at(29_999), 10, 30_000)).toHaveLength(0);
      store = await harness.reopen(store);
      expect(await store.forwards.claimDue(at(30_000), 10, 30_000)).toHaveLength(1);
    });

    it('when attempts fail, then retries are due at their time and a dead one is listed and replayable', async () => {
      store = await harness.open();
      const [s1, s2] = await storeEvents(store, 2);
      await store.forwards.enqueue([{ eventSeq: s1!, targetUrl: 'http://a' }, { eventSeq: s2!, targetUrl: 'http://a' }], t0);
      const [c1, c2] = await store.forwards.claimDue(t0, 10, 1_000);
      await store.forwards.record(c1!.id, { kind: 'retry', status: 503, error: 'HTTP 503', nextAttemptAt: at(60_000) }, t0);
      await store.forwards.record(c2!.id, { kind: 'dead', status: 410, error: 'HTTP 410' }, t0);
      expect(await store.forwards.claimDue(at(59_999), 10, 1_000)).toHaveLength(0);
      expect(await store.forwards.nextDueAt()).toEqual(at(60_000));
      expect(await store.forwards.counts()).toEqual({ pending: 1, delivered: 0, dead: 1 });
      const dead = await store.forwards.listDead({ limit: 10 });
      expect(dead).toHaveLength(1);
      expect(dead[0]).toMatchObject({ id: c2!.id, attempts: 1, lastStatus: 410, lastError: 'HTTP 410', state: 'dead' });
      expect(await store.forwards.replayDead([c2!.id, 999_999], at(1))).toBe(1);
      const again = await store.forwards.claimDue(at(1), 10, 1_000);
      expect(again.map((c) => [c.id, c.attempts])).toEqual([[c2!.id, 0]]);
      await store.forwards.record(c2!.id, { kind: 'delivered', status: 204 }, at(2));
      expect(await store.forwards.counts()).toEqual({ pending: 1, delivered: 1, dead: 0 });
    });

    it('when all dead deliveries are replayed, then every one is pending again and pages of dead ones do not overlap', async () => {
      store = await harness.open();
      const seqs = await storeEvents(store, 3);
      await store.forwards.enqueue(seqs.map((eventSeq) => ({ eventSeq, targetUrl: 'http://b' })), t0);
      for (const c of await store.forwards.claimDue(t0, 10, 1_000)) {
        await store.forwards.record(c.id, { kind: 'dead', status: undefined, error: 'ECONNREFUSED' }, t0);
      }
      const page1 = await store.forwards.listDead({ limit: 2 });
      const page2 = await store.forwards.listDead({ limit: 2, beforeId: page1.at(-1)?.id });
      expect([...page1, ...page2].map((d) => d.id)).toHaveLength(3);
      expect(page2).toHaveLength(1);
      expect(await store.forwards.replayDead(undefined, at(10))).toBe(3);
      expect(await store.forwards.counts()).toEqual({ pending: 3, delivered: 0, dead: 0 });
    });
  });
}
