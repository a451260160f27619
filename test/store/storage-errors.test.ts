import { join } from 'node:path';
import Database from 'better-sqlite3';
import supertest from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { ServiceUnavailableError } from '../../src/lib/errors.js';
import { sqliteHandleOf } from '../../src/store/sqlite/handle.js';
import { openSqliteStore, SQLITE_FILE } from '../../src/store/sqlite/open.js';
import { storageFailureCode } from '../../src/store/sqlite/storage-errors.js';
import type { Store } from '../../src/store/store.js';
import { buildFoundationApp, INGEST_TOKEN } from '../helpers/foundation-app.js';
import { tempDir } from '../helpers/temp-dirs.js';
import { buildEvent } from '../sync/support/builders.js';

const open: Store[] = [];
afterEach(async () => {
  for (const store of open.splice(0)) await store.close();
});

const openStore = (dataDir = tempDir('kb-storage-')) => {
  const store = openSqliteStore({ dataDir, minFreeBytes: 0 });
  open.push(store);
  return store;
};

/** Caps the database at the pages it has now: the next write that needs a page fails with SQLITE_FULL. */
const fillDatabase = (store: Store) => {
  const db = sqliteHandleOf(store);
  const { page_count: pages } = db.prepare<[], { page_count: number }>('PRAGMA page_count').get()!;
  db.exec(`PRAGMA max_page_count = ${pages}`);
  return () => db.exec('PRAGMA max_page_count = 1073741823');
};

const big = { blob: 'x'.repeat(200_000) };
const eventEntry = (n: number, payload: Record<string, unknown> = big) => ({ dedupeKey: `e:${n}`, items: [{ kind: 'event' as const, payload }] });
const delivery = (id: string, payload: unknown = big) => ({ klaviyoAccountId: 'A', klaviyoWebhookId: 'W', events: [{ externalId: id, topic: 'event:klaviyo.sent_email', payload }] });

const storageUnavailable = { status: 503, code: 'storage_unavailable', headers: { 'retry-after': '30' } };

describe('honest storage errors', () => {
  it('when the database is full (SQLITE_FULL), then an ingest enqueue rejects with 503 storage_unavailable, stores nothing, and health fails until a write fits again', async () => {
    const store = openStore();
    const unfill = fillDatabase(store);

    const failed = store.outbox.enqueue([eventEntry(1)], new Date());
    await expect(failed).rejects.toBeInstanceOf(ServiceUnavailableError);
    await expect(failed).rejects.toMatchObject(storageUnavailable);
    const health = await store.health();
    expect(health.ok).toBe(false);
    expect(health.detail).toMatch(/SQLITE_FULL/);

    unfill();
    expect(await store.health()).toEqual({ ok: true });
    expect(await store.outbox.enqueue([eventEntry(1)], new Date())).toEqual(['accepted']);
    expect((await store.outbox.stats(new Date())).kinds.event.pending).toBe(1);
  });

  it('when the database is full (SQLITE_FULL), then a webhook inbox insert rejects with 503 storage_unavailable and the event is not stored', async () => {
    const store = openStore();
    const unfill = fillDatabase(store);

    await expect(store.inbox.storeDelivery(delivery('full-1'), new Date())).rejects.toMatchObject(storageUnavailable);
    expect(await store.inbox.list({ limit: 10 })).toEqual([]);
    expect((await store.health()).ok).toBe(false);

    unfill();
    expect(await store.inbox.storeDelivery(delivery('full-1'), new Date())).toEqual({ stored: 1, duplicates: 0 });
  });

  it('when the database refuses writes (SQLITE_READONLY), then a webhook inbox insert rejects with 503 and health names the error', async () => {
    const store = openStore();
    const db = sqliteHandleOf(store);
    db.exec('PRAGMA query_only = ON');

    await expect(store.inbox.storeDelivery(delivery('ro-1', { small: true }), new Date())).rejects.toMatchObject(storageUnavailable);
    await expect(store.outbox.enqueue([eventEntry(1, { small: true })], new Date())).rejects.toMatchObject(storageUnavailable);
    expect(await store.health()).toMatchObject({ ok: false, detail: expect.stringMatching(/SQLITE_READONLY/) });

    db.exec('PRAGMA query_only = OFF');
    expect(await store.health()).toEqual({ ok: true });
  });

  it('when another connection holds the write lock past the busy timeout (SQLITE_BUSY), then enqueue rejects with 503, and health recovers once the lock is gone', async () => {
    const dataDir = tempDir('kb-storage-');
    const store = openStore(dataDir);
    sqliteHandleOf(store).exec('PRAGMA busy_timeout = 50');
    const blocker = new Database(join(dataDir, SQLITE_FILE));
    blocker.exec('BEGIN IMMEDIATE');
    try {
      const writes = [1, 2, 3].map((n) => store.outbox.enqueue([eventEntry(n, { small: true })], new Date()));
      for (const write of writes) await expect(write).rejects.toMatchObject(storageUnavailable);
      expect(await store.health()).toMatchObject({ ok: false, detail: expect.stringMatching(/SQLITE_BUSY/) });
    } finally {
      blocker.exec('ROLLBACK');
      blocker.close();
    }
    expect(await store.health()).toEqual({ ok: true });
    expect(await store.outbox.enqueue([eventEntry(1, { small: true })], new Date())).toEqual(['accepted']);
  });

  it('when the lock is busy for a whole group of writes, then the group fails at once, not once more per write', async () => {
    const dataDir = tempDir('kb-storage-');
    const store = openStore(dataDir);
    const busyMs = 300;
    sqliteHandleOf(store).exec(`PRAGMA busy_timeout = ${busyMs}`);
    const blocker = new Database(join(dataDir, SQLITE_FILE));
    blocker.exec('BEGIN IMMEDIATE');
    try {
      const started = performance.now();
      const writes = await Promise.allSettled([1, 2, 3, 4, 5].map((n) => store.outbox.enqueue([eventEntry(n, { small: true })], new Date())));
      const elapsed = performance.now() - started;
      expect(writes.map((w) => w.status)).toEqual(Array(5).fill('rejected'));
      // One busy wait for the group; retrying each write alone would wait six times (≈ 1.8 s).
      expect(elapsed).toBeLessThan(4 * busyMs);
    } finally {
      blocker.exec('ROLLBACK');
      blocker.close();
    }
  });

  it('when SQLite reports an I/O, read-only, busy, full or corrupt condition, then it is a storage failure; a constraint or a plain error is not', () => {
    const sqlite = (code: string) => new Database.SqliteError('from SQLite', code);
    for (const code of ['SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_IOERR_WRITE', 'SQLITE_IOERR_FSYNC', 'SQLITE_READONLY', 'SQLITE_READONLY_DBMOVED', 'SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_CORRUPT', 'SQLITE_NOTADB']) {
      expect(storageFailureCode(sqlite(code)), code).toBe(code);
    }
    for (const code of ['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_ERROR', 'SQLITE_MISMATCH']) expect(storageFailureCode(sqlite(code)), code).toBeUndefined();
    expect(storageFailureCode(new Error('SQLITE_FULL'))).toBeUndefined();
  });

  it('when ingest meets a full database over HTTP, then the edge answers 503 problem+json with Retry-After, not 500', async () => {
    const store = openStore();
    const { app } = buildFoundationApp({ overrides: { store } });
    fillDatabase(store);

    const res = await supertest(app)
      .post('/v1/events')
      .set('authorization', `Bearer ${INGEST_TOKEN}`)
      // 200 KB of properties (each string within Klaviyo's 100 KB limit): more than one free page.
      .send(buildEvent({ properties: { a: 'x'.repeat(60_000), b: 'y'.repeat(60_000), c: 'z'.repeat(60_000), d: 'w'.repeat(20_000) } }));
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('30');
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ type: 'urn:klaviyo-bridge:problem:storage_unavailable', status: 503 });
    expect(JSON.stringify(res.body)).not.toMatch(/SQLITE|database or disk/);
  });
});
