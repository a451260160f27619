import { afterEach, describe, expect, it } from 'vitest';
import { ServiceUnavailableError } from '../../src/lib/errors.js';
import type { OutboxEntry, OutboxKind } from '../../src/store/outbox.js';
import { openSqliteStore } from '../../src/store/sqlite/open.js';
import type { Store } from '../../src/store/store.js';
import { tempDir } from '../helpers/temp-dirs.js';

const open: Store[] = [];
afterEach(async () => {
  for (const store of open.splice(0)) await store.close();
});

const openStore = (maxPendingPerKind: number, dataDir = tempDir('kb-backpressure-')) => {
  const store = openSqliteStore({ dataDir, maxPendingPerKind, minFreeBytes: 0 });
  open.push(store);
  return store;
};

let counter = 0;
const entry = (kind: OutboxKind, overrides: Partial<OutboxEntry> = {}): OutboxEntry => {
  counter += 1;
  return { dedupeKey: `${kind}:${counter}`, items: [{ kind, payload: { n: counter } }], ...overrides };
};
const now = new Date('2026-07-20T12:00:00Z');
const outboxFull = (kind: string, cap: number) => ({
  status: 503,
  code: 'outbox_full',
  headers: { 'retry-after': expect.stringMatching(/^\d+$/) },
  detail: expect.stringMatching(new RegExp(`\\b${kind}\\b.*\\b${cap}\\b`)),
});

describe('outbox backpressure (maxPendingPerKind)', () => {
  it('when a kind has reached its cap, then its enqueue rejects with 503 outbox_full naming the kind and the cap, and nothing of the request is stored', async () => {
    const store = openStore(3);
    expect(await store.outbox.enqueue([entry('event'), entry('event'), entry('event')], now)).toEqual(['accepted', 'accepted', 'accepted']);

    const refused = entry('event', { dedupeKey: 'refused-once' });
    const attempt = store.outbox.enqueue([refused], now);
    await expect(attempt).rejects.toBeInstanceOf(ServiceUnavailableError);
    await expect(attempt).rejects.toMatchObject(outboxFull('event', 3));
    expect((await store.outbox.stats(now)).kinds.event.pending).toBe(3);

    // Its dedupe key was not kept either: once there is room, the same request is accepted, not a duplicate.
    const batch = await store.outbox.claim({ kind: 'event', limit: 1, leaseMs: 60_000, now });
    await store.outbox.settle(batch.leaseId, [{ id: batch.items[0]!.id, status: 'delivered' }], now);
    expect(await store.outbox.enqueue([refused], now)).toEqual(['accepted']);
  });

  it('when one kind is full, then other kinds and the webhook inbox still take writes', async () => {
    const store = openStore(2);
    await store.outbox.enqueue([entry('event'), entry('event')], now);
    await expect(store.outbox.enqueue([entry('event')], now)).rejects.toMatchObject({ code: 'outbox_full' });

    expect(await store.outbox.enqueue([entry('profile'), entry('consent')], now)).toEqual(['accepted', 'accepted']);
    expect(await store.inbox.storeDelivery({ klaviyoAccountId: 'A', klaviyoWebhookId: 'W', events: [{ externalId: 'x1', topic: 't', payload: {} }] }, now)).toEqual({ stored: 1, duplicates: 0 });
  });

  it('when a request mixes a full kind with a free one, then the whole request is refused', async () => {
    const store = openStore(1);
    await store.outbox.enqueue([entry('profile')], now);
    const mixed: OutboxEntry = { dedupeKey: 'mixed', items: [{ kind: 'event', payload: {} }, { kind: 'profile', payload: {} }] };
    await expect(store.outbox.enqueue([entry('event'), mixed], now)).rejects.toMatchObject(outboxFull('profile', 1));
    expect((await store.outbox.stats(now)).kinds.event.pending).toBe(0);
  });

  it('when many requests arrive in one group commit, then no more are accepted than the cap allows', async () => {
    const store = openStore(5);
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => store.outbox.enqueue([entry('event')], now)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(Array(7).fill('outbox_full'));
    expect((await store.outbox.stats(now)).kinds.event.pending).toBe(5);
  });

  it('when items are in flight or verifying, then they still count; delivered and dead ones free room, and a replay takes it again', async () => {
    const store = openStore(2);
    await store.outbox.enqueue([entry('profile'), entry('profile')], now);
    const batch = await store.outbox.claim({ kind: 'profile', limit: 2, leaseMs: 60_000, now });
    const [a, b] = batch.items.map((i) => i.id) as [string, string];
    await store.outbox.settle(batch.leaseId, [{ id: a, status: 'verifying', jobId: 'job-1' }], now);
    await expect(store.outbox.enqueue([entry('profile')], now)).rejects.toMatchObject({ code: 'outbox_full' });

    await store.outbox.settle(batch.leaseId, [{ id: b, status: 'dead', error: { detail: 'rejected' } }], now);
    expect(await store.outbox.enqueue([entry('profile')], now)).toEqual(['accepted']);
    await expect(store.outbox.enqueue([entry('profile')], now)).rejects.toMatchObject({ code: 'outbox_full' });

    await store.outbox.settleJob('job-1', [{ id: a, status: 'delivered' }], now);
    expect(await store.outbox.enqueue([entry('profile')], now)).toEqual(['accepted']);

    expect(await store.outbox.replayDeadLetters({ kind: 'profile' }, now)).toBe(1);
    await expect(store.outbox.enqueue([entry('profile')], now)).rejects.toMatchObject({ code: 'outbox_full' });
  });

  it('when an item merges into a pending one, then it takes no extra room', async () => {
    const store = openStore(1);
    const update = (n: number): OutboxEntry => ({ items: [{ kind: 'profile', mergeKey: 'person-1', payload: { n } }] });
    expect(await store.outbox.enqueue([update(1)], now)).toEqual(['accepted']);
    // At the cap now: a request for that kind is refused even if it would merge (the check is per kind, before anything is written).
    await expect(store.outbox.enqueue([update(2)], now)).rejects.toMatchObject({ code: 'outbox_full' });
    expect((await store.outbox.stats(now)).kinds.profile.pending).toBe(1);
  });

  it('when the store is reopened, then the count of waiting items is taken from the database', async () => {
    const dataDir = tempDir('kb-backpressure-');
    const first = openSqliteStore({ dataDir, maxPendingPerKind: 2, minFreeBytes: 0 });
    await first.outbox.enqueue([entry('consent'), entry('consent')], now);
    await first.close();

    const store = openStore(2, dataDir);
    await expect(store.outbox.enqueue([entry('consent')], now)).rejects.toMatchObject(outboxFull('consent', 2));
  });
});
