import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { OutboxFullError, StorageUnavailableError } from '../../src/lib/errors.js';
import type { OutboxEntry } from '../../src/store/outbox.js';
import { pgliteDatabase, type PgDatabase } from '../../src/store/postgres/database.js';
import { openPostgresStore } from '../../src/store/postgres/open.js';
import { postgresProblem, TEST_POSTGRES_URL } from '../helpers/postgres-server.js';
import { pgMigrations } from '../../src/store/postgres/migrations.js';
import { pgConnectionFailureCode } from '../../src/store/postgres/storage-errors.js';

/** What the PostgreSQL backend adds to the conformance suite: the cap, connection failures, replicas. */
const T0 = new Date('2026-03-01T12:00:00Z');
const event = (id: string): OutboxEntry => ({ dedupeKey: `event:${id}`, items: [{ kind: 'event', payload: { unique_id: id } }] });
const profile = (key: string, payload: Record<string, unknown>): OutboxEntry => ({ items: [{ kind: 'profile', mergeKey: key, payload }] });

const pglite = new PGlite();
let schemaCounter = 0;
afterAll(() => pglite.close());

async function pgliteStore(options: { maxPendingPerKind?: number; database?: (db: PgDatabase) => PgDatabase } = {}) {
  schemaCounter += 1;
  await pglite.exec(`CREATE SCHEMA behaviour_${schemaCounter}; SET search_path TO behaviour_${schemaCounter}`);
  const base = pgliteDatabase(pglite, { owned: false });
  return openPostgresStore({ database: options.database ? options.database(base) : base, maxPendingPerKind: options.maxPendingPerKind });
}

/** A database that fails every query with `error` while `broken` is set: a server gone away. */
function breakable(db: PgDatabase, error: Error) {
  const state = { broken: false };
  const check = () => {
    if (state.broken) throw error;
  };
  const wrapped: PgDatabase = {
    target: 'postgres://postgres@db.internal:5432/bridge',
    query: async (text, values) => (check(), db.query(text, values)),
    exec: async (sql) => (check(), db.exec(sql)),
    transaction: async (body) => (check(), db.transaction(body)),
    close: () => db.close(),
  };
  return { state, wrapped };
}

describe('postgres store: connection failures', () => {
  it('when errors are classified, then connection losses are storage failures and SQL errors are not', () => {
    const coded = (code: string) => Object.assign(new Error('x'), { code });
    expect(pgConnectionFailureCode(coded('ECONNREFUSED'))).toBe('ECONNREFUSED');
    expect(pgConnectionFailureCode(coded('57P01'))).toBe('57P01');
    expect(pgConnectionFailureCode(coded('08006'))).toBe('08006');
    expect(pgConnectionFailureCode(new AggregateError([coded('ECONNREFUSED')], 'connect'))).toBe('ECONNREFUSED');
    expect(pgConnectionFailureCode(new Error('Connection terminated unexpectedly'))).toBe('connection');
    expect(pgConnectionFailureCode(coded('23505'))).toBeUndefined();
    expect(pgConnectionFailureCode(coded('42P01'))).toBeUndefined();
  });

  it('when the server goes away, then writes fail with StorageUnavailableError, health says why without a password, and recovers once a write commits', async () => {
    const shutdown = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    let handle: ReturnType<typeof breakable> | undefined;
    const store = await pgliteStore({ database: (db) => (handle = breakable(db, shutdown)).wrapped });
    expect(await store.health()).toEqual({ ok: true });
    handle!.state.broken = true;
    await expect(store.outbox.enqueue([event('a')], T0)).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(store.inbox.storeDelivery({ klaviyoAccountId: 'A', klaviyoWebhookId: 'w', events: [{ externalId: 'x', topic: 't', payload: {} }] }, T0)).rejects.toMatchObject({ status: 503 });
    const failing = await store.health();
    expect(failing.ok).toBe(false);
    expect(failing.detail).toContain('57P01');
    expect(failing.detail).toContain('postgres://postgres@db.internal:5432/bridge');
    handle!.state.broken = false;
    expect(await store.health()).toEqual({ ok: true });
    expect(await store.outbox.enqueue([event('a')], T0)).toEqual(['accepted']);
    await store.close();
  });

  it('when a query fails for another reason, then the error passes through untouched and health stays ok', async () => {
    const syntax = Object.assign(new Error('syntax error'), { code: '42601' });
    let handle: ReturnType<typeof breakable> | undefined;
    const store = await pgliteStore({ database: (db) => (handle = breakable(db, syntax)).wrapped });
    handle!.state.broken = true;
    await expect(store.cache.get('k', T0)).rejects.toBe(syntax);
    handle!.state.broken = false;
    expect(await store.health()).toEqual({ ok: true });
    await store.close();
  });

  it('when the server cannot be reached at open, then the error names it without the password', async () => {
    const opening = openPostgresStore({ connectionString: 'postgres://postgres:hunter2@127.0.0.1:1/test' });
    await expect(opening).rejects.toThrow(/postgres:\/\/postgres@127\.0\.0\.1:1\/test/);
    await expect(opening).rejects.not.toThrow(/hunter2/);
  });
});

describe('postgres store: the per-kind pending cap', () => {
  it('when a kind is at its cap, then its enqueue is refused with nothing stored, other kinds and merges still go, and room comes back as items leave', async () => {
    const store = await pgliteStore({ maxPendingPerKind: 2 });
    expect(await store.outbox.enqueue([event('a'), event('b')], T0)).toEqual(['accepted', 'accepted']);
    await expect(store.outbox.enqueue([event('c')], T0)).rejects.toBeInstanceOf(OutboxFullError);
    await expect(store.outbox.enqueue([profile('p', { a: 1 }), event('c')], T0)).rejects.toMatchObject({ code: 'outbox_full' });
    expect((await store.outbox.stats(T0)).kinds.profile.pending).toBe(0);
    expect(await store.outbox.enqueue([profile('p', { a: 1 })], T0)).toEqual(['accepted']);
    const batch = await store.outbox.claim({ kind: 'event', limit: 1, leaseMs: 1_000, now: T0 });
    await store.outbox.settle(batch.leaseId, [{ id: batch.items[0]!.id, status: 'dead', error: { detail: 'no' } }], T0);
    // The refused request left no dedupe key behind: it is accepted once there is room.
    expect(await store.outbox.enqueue([event('c')], T0)).toEqual(['accepted']);
    await expect(store.outbox.enqueue([event('d')], T0)).rejects.toBeInstanceOf(OutboxFullError);
    // A replayed dead letter waits again and counts again.
    expect(await store.outbox.replayDeadLetters({}, T0)).toBe(1);
    const all = await store.outbox.claim({ kind: 'event', limit: 10, leaseMs: 1_000, now: T0 });
    await store.outbox.settle(all.leaseId, all.items.map((i) => ({ id: i.id, status: 'delivered' as const })), T0);
    expect(await store.outbox.enqueue([event('d'), event('e')], T0)).toEqual(['accepted', 'accepted']);
    await store.close();
  });

  it('when many requests arrive together (one group commit), then exactly the cap is accepted and each refused one stores nothing', async () => {
    const store = await pgliteStore({ maxPendingPerKind: 3 });
    const outcomes = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => store.outbox.enqueue([event(`g${i}`)], T0)));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(3);
    expect(outcomes.filter((o) => o.status === 'rejected' && o.reason instanceof OutboxFullError)).toHaveLength(3);
    expect((await store.outbox.stats(T0)).kinds.event.pending).toBe(3);
    await store.close();
  });
});

const DAY = 86_400_000;
const day = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * DAY);
const webhookDelivery = (...ids: string[]) => ({ klaviyoAccountId: 'A', klaviyoWebhookId: 'W', events: ids.map((id) => ({ externalId: id, topic: 'event:klaviyo.sent_email', payload: { id } })) });

/** The retention semantics of test/store/inbox-retention.test.ts (SQLite), on this backend. */
describe('postgres store: webhook inbox retention', () => {
  type S = Awaited<ReturnType<typeof pgliteStore>>;
  const storeDispatched = async (store: S, at: Date, ...ids: string[]) => {
    await store.inbox.storeDelivery(webhookDelivery(...ids), at);
    const events = (await store.inbox.listUndispatched(100)).filter((e) => ids.includes(e.externalId));
    await store.inbox.markDispatched(events.map((e) => e.seq), at);
    return Object.fromEntries(events.map((e) => [e.externalId, e.seq])) as Record<string, number>;
  };
  const forward = async (store: S, at: Date, outcomes: Record<number, 'delivered' | 'dead' | 'pending'>) => {
    const seqs = Object.keys(outcomes).map(Number);
    await store.forwards.enqueue(seqs.map((eventSeq) => ({ eventSeq, targetUrl: 'http://subscriber.internal/hook' })), at);
    for (const claimed of await store.forwards.claimDue(at, 100, 1_000)) {
      const outcome = outcomes[claimed.eventSeq];
      if (outcome === 'delivered') await store.forwards.record(claimed.id, { kind: 'delivered', status: 200 }, at);
      else if (outcome === 'dead') await store.forwards.record(claimed.id, { kind: 'dead', status: 500, error: 'gave up' }, at);
      else await store.forwards.record(claimed.id, { kind: 'retry', status: 503, error: 'later', nextAttemptAt: new Date(at.getTime() + DAY) }, at);
    }
  };
  const storedIds = async (store: S) => (await store.inbox.list({ limit: 100 })).map((e) => e.externalId).sort();

  it('when events are older than the retention, then they go with their delivered forwards, except those still pending dispatch or forwarding', async () => {
    const store = await pgliteStore();
    const seqs = await storeDispatched(store, day(0), 'old-done', 'old-no-forward', 'old-pending', 'old-dead');
    await store.inbox.storeDelivery(webhookDelivery('old-undispatched'), day(0));
    await forward(store, day(0), { [seqs['old-done']!]: 'delivered', [seqs['old-pending']!]: 'pending', [seqs['old-dead']!]: 'dead' });
    await storeDispatched(store, day(35), 'recent');
    expect(await store.inbox.prune({ receivedBefore: day(10), keysBefore: day(-50) })).toEqual({ events: 2, forwards: 1, keys: 0 });
    expect(await storedIds(store)).toEqual(['old-dead', 'old-pending', 'old-undispatched', 'recent']);
    expect(await store.forwards.counts()).toEqual({ pending: 1, delivered: 0, dead: 1 });
    await store.close();
  });

  it('when Klaviyo retries a pruned event late, then it is still a duplicate; keys go after their cutoff, never while their event is stored', async () => {
    const store = await pgliteStore();
    await storeDispatched(store, day(0), 'late-1', 'late-2');
    await store.inbox.prune({ receivedBefore: day(31), keysBefore: day(-29) });
    expect(await storedIds(store)).toEqual([]);
    expect(await store.inbox.storeDelivery(webhookDelivery('late-1', 'late-2', 'fresh'), day(32))).toEqual({ stored: 1, duplicates: 2 });
    const seqs = await storeDispatched(store, day(40), 'gone', 'kept');
    await forward(store, day(40), { [seqs['kept']!]: 'pending' });
    expect(await store.inbox.prune({ receivedBefore: day(50), keysBefore: day(60) })).toEqual({ events: 1, forwards: 0, keys: 3 });
    expect(await store.inbox.storeDelivery(webhookDelivery('gone', 'kept', 'late-1'), day(61))).toEqual({ stored: 2, duplicates: 1 });
    await store.close();
  });

  it('when more events than one prune chunk are due, then every one goes', async () => {
    const store = await pgliteStore();
    const ids = Array.from({ length: 1_200 }, (_, i) => `bulk-${i}`);
    await storeDispatched(store, day(0), ...ids.slice(0, 100));
    await store.inbox.storeDelivery(webhookDelivery(...ids.slice(100)), day(0));
    await store.inbox.markDispatched((await store.inbox.listUndispatched(2_000)).map((e) => e.seq), day(0));
    expect(await store.inbox.prune({ receivedBefore: day(1), keysBefore: day(1) })).toEqual({ events: 1_200, forwards: 0, keys: 1_200 });
    await store.close();
  });
});

const url = TEST_POSTGRES_URL;
const problem = await postgresProblem();

describe.skipIf(problem !== undefined)(`postgres store: replicas on one server${problem === undefined ? '' : ` (skipped: no PostgreSQL at ${url}: ${problem})`}`, () => {
  const schema = `kbr_${randomBytes(4).toString('hex')}`;
  afterAll(async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });

  it('when replicas start together, then the migrations run once; caps, dedupe keys and merges hold across them', async () => {
    const replicas = await Promise.all(Array.from({ length: 3 }, () => openPostgresStore({ connectionString: url, schema, maxPendingPerKind: 4, maxConnections: 3 })));
    try {
      const versions = await replicas[0]!.appliedMigrations();
      expect(versions).toEqual(pgMigrations.map((m) => m.version));
      const outcomes = await Promise.allSettled(replicas.flatMap((r, i) => [0, 1, 2].map((j) => r.outbox.enqueue([event(`r${i}-${j}`)], T0))));
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(4);
      expect(outcomes.filter((o) => o.status === 'rejected' && o.reason instanceof OutboxFullError)).toHaveLength(5);

      const dupes = await Promise.all(replicas.map((r) => r.outbox.enqueue([{ dedupeKey: 'same', items: [] }], T0)));
      expect(dupes.flat().filter((d) => d === 'accepted')).toHaveLength(1);

      await Promise.all(replicas.map((r, i) => r.outbox.enqueue([profile('email:x', { [`f${i}`]: i })], T0)));
      const batch = await replicas[0]!.outbox.claim({ kind: 'profile', limit: 10, leaseMs: 1_000, now: T0 });
      expect(batch.items).toHaveLength(1);
      expect(batch.items[0]?.payload).toEqual({ f0: 0, f1: 1, f2: 2 });

      const runs = await Promise.all(replicas.map((r, i) => r.jobRuns.create({ id: `run-${i}`, job: 'race', params: {}, createdAt: T0 })));
      expect(runs.filter((r) => r.created)).toHaveLength(1);

      const [a, b] = await Promise.all([replicas[1]!.outbox.claim({ kind: 'event', limit: 3, leaseMs: 1_000, now: T0 }), replicas[2]!.outbox.claim({ kind: 'event', limit: 3, leaseMs: 1_000, now: T0 })]);
      expect(new Set([...a.items, ...b.items].map((i) => i.id)).size).toBe(4);
    } finally {
      await Promise.all(replicas.map((r) => r.close()));
    }
  });
});
