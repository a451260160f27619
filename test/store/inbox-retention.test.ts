import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/lib/logger.js';
import { startStoreMaintenance } from '../../src/store/maintenance.js';
import { sqliteHandleOf } from '../../src/store/sqlite/handle.js';
import { applyMigrations } from '../../src/store/sqlite/migrate.js';
import { migrations } from '../../src/store/sqlite/migrations/index.js';
import { openSqliteStore, SQLITE_FILE } from '../../src/store/sqlite/open.js';
import type { Store } from '../../src/store/store.js';
import { captureLogs } from '../helpers/foundation-app.js';
import { tempDir } from '../helpers/temp-dirs.js';

const open: Store[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const store of open.splice(0)) await store.close();
});

const openStore = (dataDir = tempDir('kb-retention-')) => {
  const store = openSqliteStore({ dataDir, minFreeBytes: 0 });
  open.push(store);
  return store;
};

const DAY = 86_400_000;
const day = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * DAY);
const delivery = (...ids: string[]) => ({ klaviyoAccountId: 'A', klaviyoWebhookId: 'W', events: ids.map((id) => ({ externalId: id, topic: 'event:klaviyo.sent_email', payload: { id } })) });

/** Stores `ids` received at `at` and dispatches them; returns their seqs by external id. */
async function storeDispatched(store: Store, at: Date, ...ids: string[]) {
  await store.inbox.storeDelivery(delivery(...ids), at);
  const events = (await store.inbox.listUndispatched(100)).filter((e) => ids.includes(e.externalId));
  await store.inbox.markDispatched(events.map((e) => e.seq), at);
  return Object.fromEntries(events.map((e) => [e.externalId, e.seq])) as Record<string, number>;
}

/** Forwards each event to one subscriber and settles the delivery as told. */
async function forward(store: Store, at: Date, outcomes: Record<number, 'delivered' | 'dead' | 'pending'>) {
  const seqs = Object.keys(outcomes).map(Number);
  await store.forwards.enqueue(seqs.map((eventSeq) => ({ eventSeq, targetUrl: 'http://subscriber.internal/hook' })), at);
  for (const claimed of await store.forwards.claimDue(at, 100, 1_000)) {
    const outcome = outcomes[claimed.eventSeq];
    if (outcome === 'delivered') await store.forwards.record(claimed.id, { kind: 'delivered', status: 200 }, at);
    else if (outcome === 'dead') await store.forwards.record(claimed.id, { kind: 'dead', status: 500, error: 'gave up' }, at);
    else await store.forwards.record(claimed.id, { kind: 'retry', status: 503, error: 'later', nextAttemptAt: new Date(at.getTime() + DAY) }, at);
  }
}

const storedIds = async (store: Store) => (await store.inbox.list({ limit: 100 })).map((e) => e.externalId).sort();

describe('webhook inbox retention', () => {
  it('when events are older than the retention, then they go with their delivered forwards, except those still pending dispatch or forwarding', async () => {
    const store = openStore();
    const seqs = await storeDispatched(store, day(0), 'old-done', 'old-no-forward', 'old-pending', 'old-dead');
    await store.inbox.storeDelivery(delivery('old-undispatched'), day(0));
    await forward(store, day(0), { [seqs['old-done']!]: 'delivered', [seqs['old-pending']!]: 'pending', [seqs['old-dead']!]: 'dead' });
    await storeDispatched(store, day(35), 'recent');

    const pruned = await store.inbox.prune({ receivedBefore: day(10), keysBefore: day(-50) });
    expect(pruned).toEqual({ events: 2, forwards: 1, keys: 0 });
    expect(await storedIds(store)).toEqual(['old-dead', 'old-pending', 'old-undispatched', 'recent']);
    expect(await store.forwards.counts()).toEqual({ pending: 1, delivered: 0, dead: 1 });
    expect((await store.inbox.listUndispatched(10)).map((e) => e.externalId)).toEqual(['old-undispatched']);
  });

  it('when Klaviyo retries a pruned event late, then it is still recognised as a duplicate and not stored again', async () => {
    const store = openStore();
    await storeDispatched(store, day(0), 'late-1', 'late-2');
    await store.inbox.prune({ receivedBefore: day(31), keysBefore: day(-29) });
    expect(await storedIds(store)).toEqual([]);

    expect(await store.inbox.storeDelivery(delivery('late-1', 'late-2', 'fresh'), day(32))).toEqual({ stored: 1, duplicates: 2 });
    expect(await storedIds(store)).toEqual(['fresh']);
  });

  it('when dedupe keys are older than their own cutoff, then they go too, but never while their event is still stored', async () => {
    const store = openStore();
    const seqs = await storeDispatched(store, day(0), 'gone', 'kept');
    await forward(store, day(0), { [seqs['kept']!]: 'pending' });

    // keysBefore later than receivedBefore is clamped: a key never goes before its event may.
    expect(await store.inbox.prune({ receivedBefore: day(10), keysBefore: day(20) })).toEqual({ events: 1, forwards: 0, keys: 1 });
    expect(await store.inbox.storeDelivery(delivery('gone', 'kept'), day(21))).toEqual({ stored: 1, duplicates: 1 });
  });

  it('when a store from before the dedupe-key table is opened, then the keys of its events are kept from their arrival', async () => {
    const dataDir = tempDir('kb-retention-');
    const db = new Database(join(dataDir, SQLITE_FILE));
    applyMigrations(db, migrations.filter((m) => m.version <= 5));
    db.prepare(`INSERT INTO webhook_events (external_id, topic, payload_json, klaviyo_webhook_id, received_at, dispatched_at) VALUES ('v5-event', 't', '{}', 'W', ?, ?)`).run(day(0).getTime(), day(0).getTime());
    db.close();

    const store = openStore(dataDir);
    expect(await store.inbox.prune({ receivedBefore: day(31), keysBefore: day(-29) })).toMatchObject({ events: 1, keys: 0 });
    expect(await store.inbox.storeDelivery(delivery('v5-event'), day(32))).toEqual({ stored: 0, duplicates: 1 });
  });
});

describe('store maintenance', () => {
  it('when started, then it prunes at once and every interval: events after the retention, their keys after twice the retention; stop() ends it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const store = openStore();
    await storeDispatched(store, day(0), 'kept-key');
    await store.cache.set('expired', 'old', 1_000, day(0));
    let now = day(40);
    const logs = captureLogs();
    const prune = vi.spyOn(store.inbox, 'prune');
    const maintenance = startStoreMaintenance({ store, retentionDays: 30, clock: () => now, logger: createLogger({ level: 'info', destination: logs.stream }), intervalMs: 60_000 });

    await vi.waitFor(() => expect(prune).toHaveBeenCalledTimes(1));
    await vi.waitFor(async () => expect(await storedIds(store)).toEqual([]));
    expect(prune).toHaveBeenLastCalledWith({ receivedBefore: day(10), keysBefore: day(-20) });
    expect(await store.inbox.storeDelivery(delivery('kept-key'), day(40))).toEqual({ stored: 0, duplicates: 1 });
    await vi.waitFor(() => expect(logs.text()).toMatch(/"events":1.*pruned|pruned.*"events":1/));
    // Expired cache entries go in the same run.
    await vi.waitFor(() => expect(sqliteHandleOf(store).prepare('SELECT COUNT(*) AS n FROM cache_entries').get()).toEqual({ n: 0 }));

    now = day(61);
    await vi.advanceTimersByTimeAsync(60_000);
    await vi.waitFor(() => expect(prune).toHaveBeenCalledTimes(2));
    expect(prune).toHaveBeenLastCalledWith({ receivedBefore: day(31), keysBefore: day(1) });
    await vi.waitFor(async () => expect(await store.inbox.storeDelivery(delivery('kept-key'), day(61))).toEqual({ stored: 1, duplicates: 0 }));

    await maintenance.stop();
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(prune).toHaveBeenCalledTimes(2);
  });

  it('when a prune fails, then it is logged and the next interval tries again', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const store = openStore();
    const prune = vi.spyOn(store.inbox, 'prune').mockRejectedValueOnce(new Error('disk trouble'));
    const logs = captureLogs();
    const maintenance = startStoreMaintenance({ store, retentionDays: 30, clock: () => day(40), logger: createLogger({ level: 'info', destination: logs.stream }), intervalMs: 1_000 });
    await vi.waitFor(() => expect(logs.text()).toMatch(/disk trouble/));
    await vi.advanceTimersByTimeAsync(1_000);
    await vi.waitFor(() => expect(prune).toHaveBeenCalledTimes(2));
    await maintenance.stop();
  });
});
