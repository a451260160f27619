import { afterEach, describe, expect, it } from 'vitest';
import type { NewOutboxItem, OutboxEntry } from '../../../src/store/outbox.js';
import type { Store } from '../../../src/store/store.js';
import type { StoreHarness } from './types.js';

const T0 = new Date('2026-03-01T12:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

const eventItem = (uniqueId: string, overrides: Partial<NewOutboxItem> = {}): NewOutboxItem => ({
  kind: 'event',
  payload: { unique_id: uniqueId, metric: 'Viewed Product', properties: { sku: 'A-1' } },
  ...overrides,
});
const eventEntry = (uniqueId: string): OutboxEntry => ({ dedupeKey: `event:${uniqueId}`, items: [eventItem(uniqueId)] });
const profileEntry = (key: string, payload: Record<string, unknown>): OutboxEntry => ({
  items: [{ kind: 'profile', mergeKey: key, payload }],
});

export function outboxConformance(harness: StoreHarness): void {
  describe('outbox', () => {
    let store: Store | undefined;
    afterEach(async () => {
      await store?.close();
      store = undefined;
    });
    const open = async () => (store = await harness.open());
    const claimEvents = (s: Store, now = T0, limit = 100, leaseMs = 30_000) =>
      s.outbox.claim({ kind: 'event', limit, leaseMs, now });

    it('when an entry key repeats, across calls or within one, then it is a duplicate and stored once', async () => {
      const s = await open();
      expect(await s.outbox.enqueue([eventEntry('a'), eventEntry('b'), eventEntry('a')], T0)).toEqual(['accepted', 'accepted', 'duplicate']);
      expect(await s.outbox.enqueue([eventEntry('b'), eventEntry('c')], T0)).toEqual(['duplicate', 'accepted']);
      const batch = await claimEvents(s);
      expect(batch.items.map((i) => i.payload.unique_id)).toEqual(['a', 'b', 'c']);
    });

    it('when an entry has several items, then all are stored under its one key', async () => {
      const s = await open();
      const order: OutboxEntry = { dedupeKey: 'order:1:placed', items: [eventItem('order:1:placed'), eventItem('order:1:line:0')] };
      expect(await s.outbox.enqueue([order], T0)).toEqual(['accepted']);
      expect(await s.outbox.enqueue([order], T0)).toEqual(['duplicate']);
      expect((await s.outbox.stats(T0)).kinds.event.pending).toBe(2);
    });

    it('when items are claimed, then they are leased in arrival order within the count and byte limits', async () => {
      const s = await open();
      await s.outbox.enqueue(['a', 'b', 'c', 'd'].map(eventEntry), T0);
      const first = await claimEvents(s, T0, 2);
      expect(first.items.map((i) => i.payload.unique_id)).toEqual(['a', 'b']);
      const size = first.items[0]?.sizeBytes ?? 0;
      expect(size).toBeGreaterThan(0);
      const second = await s.outbox.claim({ kind: 'event', limit: 10, maxBytes: size + 1, leaseMs: 30_000, now: T0 });
      expect(second.items.map((i) => i.payload.unique_id)).toEqual(['c']);
      expect((await s.outbox.stats(T0)).kinds.event).toMatchObject({ pending: 1, in_flight: 3 });
      expect((await s.outbox.claim({ kind: 'profile', limit: 10, leaseMs: 1, now: T0 })).items).toEqual([]);
    });

    it('when a claim is larger than one store transaction takes, then it is still one lease of every item in order, and two concurrent claims never share an item', async () => {
      const s = await open();
      const ids = Array.from({ length: 1_300 }, (_, i) => `big-${String(i).padStart(4, '0')}`);
      await s.outbox.enqueue(ids.map(eventEntry), T0);
      const [one, two] = await Promise.all([claimEvents(s, T0, 1_000), claimEvents(s, T0, 1_000)]);
      const first = one.items.map((i) => String(i.payload.unique_id));
      const second = two.items.map((i) => String(i.payload.unique_id));
      expect(first.length + second.length).toBe(1_300);
      expect(new Set([...first, ...second]).size).toBe(1_300);
      expect(first).toEqual([...first].sort());
      expect(second).toEqual([...second].sort());
      // Every item settles under its own batch's lease, all of them at once.
      expect(await s.outbox.settle(one.leaseId, one.items.map((i) => ({ id: i.id, status: 'delivered' as const })), at(10))).toBe(first.length);
      expect(await s.outbox.settle(two.leaseId, two.items.map((i) => ({ id: i.id, status: 'delivered' as const })), at(10))).toBe(second.length);
      expect((await s.outbox.stats(at(10))).kinds.event).toMatchObject({ pending: 0, in_flight: 0, delivered: 1_300 });
    });

    it('when a lease expires unsettled, then its items are claimable again, unchanged, and the old lease settles nothing', async () => {
      const s = await open();
      await s.outbox.enqueue([eventEntry('x')], T0);
      const first = await claimEvents(s, T0, 10, 1_000);
      expect((await claimEvents(s, at(999))).items).toEqual([]);
      const second = await claimEvents(s, at(1_000));
      expect(second.items).toHaveLength(1);
      expect(second.items[0]?.payload).toEqual(first.items[0]?.payload);
      expect(second.items[0]?.id).toBe(first.items[0]?.id);
      expect(await s.outbox.settle(first.leaseId, [{ id: first.items[0]!.id, status: 'delivered' }], at(1_001))).toBe(0);
      expect(await s.outbox.settle(second.leaseId, [{ id: second.items[0]!.id, status: 'delivered' }], at(1_001))).toBe(1);
    });

    it('when items are delivered, then they leave the queue and are counted', async () => {
      const s = await open();
      await s.outbox.enqueue([eventEntry('a'), eventEntry('b')], T0);
      const batch = await claimEvents(s);
      await s.outbox.settle(batch.leaseId, batch.items.map((i) => ({ id: i.id, status: 'delivered' as const })), at(500));
      const stats = await s.outbox.stats(at(600));
      expect(stats.kinds.event).toMatchObject({ pending: 0, in_flight: 0, delivered: 2, dead: 0, oldest_pending_age_s: null });
      expect(stats.lastDeliveryAt).toEqual(at(500));
      expect((await claimEvents(s, at(10_000_000))).items).toEqual([]);
    });

    it('when an item is retried, then it waits until its time and counts an attempt only when asked', async () => {
      const s = await open();
      await s.outbox.enqueue([eventEntry('a'), eventEntry('b')], T0);
      const batch = await claimEvents(s);
      const [a, b] = batch.items;
      await s.outbox.settle(batch.leaseId, [
        { id: a!.id, status: 'retry', retryAt: at(5_000), countAttempt: true, error: { status: 503, detail: 'down' } },
        { id: b!.id, status: 'retry', retryAt: at(2_000), countAttempt: false },
      ], T0);
      expect((await claimEvents(s, at(1_999))).items).toEqual([]);
      const summary = await s.outbox.readySummary('event', at(1_999), 100);
      expect(summary).toMatchObject({ ready: 0, nextAvailableAt: at(2_000) });
      const later = await claimEvents(s, at(5_000));
      expect(later.items.map((i) => [i.payload.unique_id, i.attempts])).toEqual([['a', 1], ['b', 0]]);
    });

    it('when a claim is released, then its items are claimable at once without an attempt', async () => {
      const s = await open();
      await s.outbox.enqueue([eventEntry('a')], T0);
      const batch = await claimEvents(s);
      expect(await s.outbox.release(batch.leaseId, T0)).toBe(1);
      const again = await claimEvents(s);
      expect(again.items.map((i) => i.attempts)).toEqual([0]);
    });

    it('when a worker restarts, then recoverLeases returns every in-flight item to pending', async () => {
      let s = await open();
      await s.outbox.enqueue([eventEntry('a'), eventEntry('b')], T0);
      await claimEvents(s, T0, 10, 3_600_000);
      s = store = await harness.reopen(s);
      expect(await s.outbox.recoverLeases(T0)).toBe(2);
      expect((await claimEvents(s)).items).toHaveLength(2);
    });

    it('when the store restarts, then pending items and dedupe keys survive', async () => {
      let s = await open();
      await s.outbox.enqueue([eventEntry('a')], T0);
      s = store = await harness.reopen(s);
      expect(await s.outbox.enqueue([eventEntry('a')], T0)).toEqual(['duplicate']);
      expect((await claimEvents(s)).items.map((i) => i.payload.unique_id)).toEqual(['a']);
    });

    it('when updates of one person arrive while pending, then they merge field by field, newest winning', async () => {
      const s = await open();
      await s.outbox.enqueue([profileEntry('p:1', { first_name: 'Ada', properties: { plan: 'free', tier: 1 } })], T0);
      await s.outbox.enqueue([profileEntry('p:1', { last_name: 'L', properties: { plan: 'pro' } })], T0);
      const batch = await s.outbox.claim({ kind: 'profile', limit: 10, leaseMs: 30_000, now: T0 });
      expect(batch.items).toHaveLength(1);
      expect(batch.items[0]?.payload).toEqual({ first_name: 'Ada', last_name: 'L', properties: { plan: 'pro', tier: 1 } });
    });

    it('when an update arrives while the previous one is in flight, then it waits for that one to settle', async () => {
      const s = await open();
      await s.outbox.enqueue([profileEntry('p:1', { first_name: 'Ada' }), profileEntry('p:2', { first_name: 'Bo' })], T0);
      const first = await s.outbox.claim({ kind: 'profile', limit: 10, leaseMs: 30_000, now: T0 });
      await s.outbox.enqueue([profileEntry('p:1', { first_name: 'Ann' })], T0);
      expect((await s.outbox.claim({ kind: 'profile', limit: 10, leaseMs: 30_000, now: T0 })).items).toEqual([]);
      await s.outbox.settle(first.leaseId, first.items.map((i) => ({ id: i.id, status: 'delivered' as const })), T0);
      const second = await s.outbox.claim({ kind: 'profile', limit: 10, leaseMs: 30_000, now: T0 });
      expect(second.items.map((i) => i.payload)).toEqual([{ first_name: 'Ann' }]);
    });

    it('when items are dead-lettered, then they are listed with the error, paged, and replayable by id or kind', async () => {
      const s = await open();
      await s.outbox.enqueue(['a', 'b', 'c'].map(eventEntry), T0);
      await s.outbox.enqueue([profileEntry('p:1', { first_name: 'Ada' })], T0);
      const events = await claimEvents(s);
      const profiles = await s.outbox.claim({ kind: 'profile', limit: 10, leaseMs: 30_000, now: T0 });
      const error = { status: 400, code: 'invalid', detail: 'bad value', pointer: '/data/0' };
      await s.outbox.settle(events.leaseId, events.items.map((i) => ({ id: i.id, status: 'dead' as const, error })), at(10));
      await s.outbox.settle(profiles.leaseId, profiles.items.map((i) => ({ id: i.id, status: 'dead' as const, error })), at(10));

      const page1 = await s.outbox.listDeadLetters({ kind: 'event', limit: 2 });
      expect(page1.items.map((d) => d.payload.unique_id)).toEqual(['a', 'b']);
      expect(page1.items[0]).toMatchObject({ kind: 'event', error, deadAt: at(10) });
      const page2 = await s.outbox.listDeadLetters({ kind: 'event', limit: 2, cursor: page1.nextCursor });
      expect(page2.items.map((d) => d.payload.unique_id)).toEqual(['c']);
      expect(page2.nextCursor).toBeUndefined();
      expect((await s.outbox.stats(T0)).kinds).toMatchObject({ event: { dead: 3 }, profile: { dead: 1 } });

      expect(await s.outbox.replayDeadLetters({ ids: [page1.items[1]!.id, 'nope'] }, at(20))).toBe(1);
      expect(await s.outbox.replayDeadLetters({ kind: 'profile' }, at(20))).toBe(1);
      expect((await claimEvents(s, at(20))).items.map((i) => [i.payload.unique_id, i.attempts])).toEqual([['b', 0]]);
      expect(await s.outbox.replayDeadLetters({}, at(30))).toBe(2);
      expect((await s.outbox.listDeadLetters({ limit: 10 })).items).toEqual([]);
    });

    it('when items wait, then stats report the oldest pending age per kind', async () => {
      const s = await open();
      await s.outbox.enqueue([eventEntry('a')], T0);
      await s.outbox.enqueue([eventEntry('b')], at(5_000));
      const stats = await s.outbox.stats(at(65_000));
      expect(stats.kinds.event.oldest_pending_age_s).toBe(65);
      expect(stats.kinds.profile.oldest_pending_age_s).toBeNull();
      const summary = await s.outbox.readySummary('event', at(65_000), 1);
      expect(summary).toMatchObject({ ready: 1, oldestReadyAt: T0 });
    });

    it('when a batch goes into a bulk job, then its items wait verifying (not claimable, not recovered, blocking their person) until the job settles them', async () => {
      const s = await open();
      await s.outbox.enqueue([profileEntry('email:a', { n: 1 }), profileEntry('email:b', { n: 2 })], T0);
      const batch = await s.outbox.claim({ kind: 'profile', limit: 10, leaseMs: 1_000, now: T0 });
      const ids = batch.items.map((i) => i.id);
      expect(await s.outbox.settle(batch.leaseId, ids.map((id) => ({ id, status: 'verifying', jobId: 'job-1' })), T0)).toBe(2);
      expect((await s.outbox.stats(T0)).kinds.profile).toMatchObject({ pending: 0, in_flight: 0, verifying: 2, delivered: 0 });
      expect(await s.outbox.recoverLeases(at(10_000))).toBe(0);
      // A newer update of person a waits while a's previous one is still verifying.
      await s.outbox.enqueue([profileEntry('email:a', { n: 3 })], at(1));
      expect((await s.outbox.claim({ kind: 'profile', limit: 10, leaseMs: 1_000, now: at(5_000) })).items).toEqual([]);
      const jobs = await s.outbox.verifyingJobs('profile');
      expect(jobs.map((j) => [j.jobId, j.items.map((i) => i.payload.n)])).toEqual([['job-1', [1, 2]]]);

      const [first, second] = ids as [string, string];
      expect(await s.outbox.settleJob('job-other', [{ id: first, status: 'delivered' }], at(2))).toBe(0);
      const error = { reason: 'import_error' as const, detail: 'Invalid email address.' };
      expect(await s.outbox.settleJob('job-1', [{ id: first, status: 'delivered' }, { id: second, status: 'dead', error }], at(2))).toBe(2);
      expect((await s.outbox.stats(at(2))).kinds.profile).toMatchObject({ pending: 1, verifying: 0, delivered: 1, dead: 1 });
      expect((await s.outbox.listDeadLetters({ limit: 10 })).items[0]?.error).toEqual(error);
      expect((await s.outbox.claim({ kind: 'profile', limit: 10, leaseMs: 1_000, now: at(3) })).items.map((i) => i.payload.n)).toEqual([3]);
    });

    it('when a verifying job is retried, then its items return to pending with the attempt counted', async () => {
      const s = await open();
      await s.outbox.enqueue([profileEntry('email:a', { n: 1 })], T0);
      const batch = await s.outbox.claim({ kind: 'profile', limit: 10, leaseMs: 1_000, now: T0 });
      const id = batch.items[0]!.id;
      await s.outbox.settle(batch.leaseId, [{ id, status: 'verifying', jobId: 'job-gone' }], T0);
      await s.outbox.settleJob('job-gone', [{ id, status: 'retry', retryAt: at(100), countAttempt: true }], T0);
      const again = await s.outbox.claim({ kind: 'profile', limit: 10, leaseMs: 1_000, now: at(100) });
      expect(again.items.map((i) => [i.id, i.attempts])).toEqual([[id, 1]]);
    });

    it('when an item waits for another kind’s item of its person, then it is claimable only once that one is delivered or dead', async () => {
      const s = await open();
      await s.outbox.enqueue(
        [{ items: [{ kind: 'profile', mergeKey: 'email:a', payload: { p: 1 } }, { kind: 'consent', mergeKey: 'email:a:email', payload: { c: 1 }, waitFor: { kind: 'profile', mergeKey: 'email:a' } }] },
        { items: [{ kind: 'consent', mergeKey: 'email:b:email', payload: { c: 2 }, waitFor: { kind: 'profile', mergeKey: 'email:b' } }] }],
        T0,
      );
      const claimConsent = () => s.outbox.claim({ kind: 'consent', limit: 10, leaseMs: 1_000, now: T0 });
      const free = await claimConsent();
      expect(free.items.map((i) => i.payload.c)).toEqual([2]);
      const profile = await s.outbox.claim({ kind: 'profile', limit: 10, leaseMs: 1_000, now: T0 });
      expect((await claimConsent()).items).toEqual([]);
      await s.outbox.settle(profile.leaseId, [{ id: profile.items[0]!.id, status: 'verifying', jobId: 'j' }], T0);
      expect((await claimConsent()).items).toEqual([]);
      await s.outbox.settleJob('j', [{ id: profile.items[0]!.id, status: 'delivered' }], T0);
      expect((await claimConsent()).items.map((i) => i.payload.c)).toEqual([1]);
    });
  });
}
