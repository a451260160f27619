import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe, expect, it } from 'vitest';
import { pgliteDatabase, type PgExecutor } from '../../src/store/postgres/database.js';
import { openPostgresStore } from '../../src/store/postgres/open.js';
import { normalizePrivacyIdentifier } from '../../src/store/privacy-match.js';
import { sqliteHandleOf } from '../../src/store/sqlite/handle.js';
import { openSqliteStore } from '../../src/store/sqlite/open.js';
import type { Store } from '../../src/store/store.js';
import { dropSchemas, postgresProblem, runSql, TEST_POSTGRES_PLACE, TEST_POSTGRES_URL, uniqueSchemaName } from '../helpers/postgres-server.js';
import { tempDir } from '../helpers/temp-dirs.js';

/**
 * After a deletion is sent, no row of any table names the person: every table of the store is read
 * whole (on PostgreSQL each row cast to text), on SQLite, PGlite and a real PostgreSQL. The raw
 * SQLite files are searched by the end-to-end test (privacy-sandbox.test.ts).
 */
const KATE = 'Kate@Example.com';
const T0 = new Date('2026-06-01T08:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

/** Every kind of place the person can be in: pending, dead, in flight, verifying, merged, webhooks, forwards, the cache. */
async function fillAndDelete(store: Store): Promise<void> {
  // Dedupe keys and unique ids as ingest makes them: the caller's insert_id, or a hash of the event (docs/privacy.md: they are kept).
  const event = (email: string, n: number) => ({ dedupeKey: `event:${email.length}-${n}`, items: [{ kind: 'event' as const, payload: { profile: { email }, event: { metric: 'Viewed', properties: {}, unique_id: `${email.length}-${n}` } } }] });
  const profile = (email: string, extra: Record<string, unknown>) => ({ items: [{ kind: 'profile' as const, mergeKey: `email:${email.toLowerCase()}`, payload: { profile: { email, ...extra } } }] });
  await store.outbox.enqueue([event(KATE, 1), event('bob@example.com', 1)], T0);
  const dead = await store.outbox.claim({ kind: 'event', limit: 10, leaseMs: 60_000, now: T0 });
  await store.outbox.settle(dead.leaseId, dead.items.map((i) => ({ id: i.id, status: 'dead' as const, error: { detail: `rejected ${String((i.payload.profile as { email: string }).email)}` } })), T0);
  await store.outbox.enqueue([event(KATE, 2), profile(KATE, { first_name: 'K' })], at(1));
  const inFlight = await store.outbox.claim({ kind: 'event', limit: 10, leaseMs: 60_000, now: at(1) });
  const verifying = await store.outbox.claim({ kind: 'profile', limit: 10, leaseMs: 60_000, now: at(1) });
  await store.outbox.settle(verifying.leaseId, verifying.items.map((i) => ({ id: i.id, status: 'verifying' as const, jobId: 'job-1' })), at(1));
  await store.outbox.enqueue([profile(KATE, { last_name: 'D' }), profile(KATE, { title: 'Dr' }), event(KATE, 3)], at(2));
  await store.inbox.storeDelivery({ klaviyoAccountId: 'A', klaviyoWebhookId: 'wh', events: [{ externalId: 'evt-1', topic: 'event:klaviyo.opened_email', payload: { data: [{ attributes: { profile: { email: KATE } } }] } }] }, at(2));
  const [stored] = await store.inbox.listUndispatched(10);
  await store.forwards.enqueue([{ eventSeq: stored!.seq, targetUrl: 'http://sub/hook' }], at(2));
  await store.cache.set('reads:segment-profiles:page:0', [{ email: KATE }], 60_000, at(2));

  const deletion = await store.privacy.request({ id: 'del-1', identifier: normalizePrivacyIdentifier('email', KATE), requestedAt: at(3) });
  // dead, in flight, verifying, one pending profile (two updates merged), one pending event
  expect(deletion.purged).toEqual({ outbox: 5, webhook_events: 1, forwards: 1 });
  await store.outbox.settle(inFlight.leaseId, inFlight.items.map((i) => ({ id: i.id, status: 'retry' as const, retryAt: at(4), countAttempt: true, error: { detail: `503 for ${KATE}` } })), at(4));
  await store.outbox.settleJob('job-1', [], at(5));
  expect(await store.privacy.readyToSend('del-1', at(6))).toBe(true);
  expect(await store.privacy.finish('del-1', { status: 'sent', at: at(7) })).toBe(true);
}

const naming = (rows: string[], text: string) => rows.filter((row) => row.toLowerCase().includes(text.toLowerCase()));

async function pgRows(db: PgExecutor): Promise<string[]> {
  const tables = (await db.query<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")).rows;
  expect(tables.length).toBeGreaterThan(10);
  const rows: string[] = [];
  for (const { name } of tables) rows.push(...(await db.query<{ row: string }>(`SELECT t::text AS row FROM "${name}" t`)).rows.map((r) => `${name}: ${r.row}`));
  return rows;
}

describe('after a deletion is sent, no table names the person', () => {
  it('when the store is SQLite, then no row of any table names them', async () => {
    const store = openSqliteStore({ dataDir: tempDir('kb-gone-') });
    try {
      await fillAndDelete(store);
      const db = sqliteHandleOf(store);
      const tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").all();
      const rows = tables.flatMap(({ name }) => db.prepare(`SELECT * FROM "${name}"`).all().map((row) => `${name}: ${JSON.stringify(row)}`));
      expect(naming(rows, KATE)).toEqual([]);
      expect(naming(rows, 'bob@example.com')).toHaveLength(1);
    } finally {
      await store.close();
    }
  });

  it('when the store is PostgreSQL (PGlite), then no row of any table names them', async () => {
    const pglite = new PGlite();
    try {
      const store = await openPostgresStore({ database: pgliteDatabase(pglite, { owned: false }) });
      await fillAndDelete(store);
      const rows = await pgRows(pgliteDatabase(pglite, { owned: false }));
      expect(naming(rows, KATE)).toEqual([]);
      expect(naming(rows, 'bob@example.com')).toHaveLength(1);
      await store.close();
    } finally {
      await pglite.close();
    }
  });

  describe('on a real PostgreSQL', async () => {
    const problem = await postgresProblem();
    const schema = uniqueSchemaName('kbpriv');
    afterAll(async () => {
      if (problem === undefined) await dropSchemas([schema]);
    });
    it.skipIf(problem !== undefined)(`when the store is PostgreSQL (server), then no row of any table names them${problem === undefined ? '' : ` (skipped: nothing at ${TEST_POSTGRES_PLACE})`}`, async () => {
      const store = await openPostgresStore({ connectionString: TEST_POSTGRES_URL, schema, maxConnections: 2 });
      try {
        await fillAndDelete(store);
      } finally {
        await store.close();
      }
      const { rows: tables } = await runSql(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'`, [schema]);
      const rows: string[] = [];
      for (const { name } of tables as Array<{ name: string }>) rows.push(...(await runSql(`SELECT t::text AS row FROM "${schema}"."${name}" t`)).rows.map((r: { row: string }) => `${name}: ${r.row}`));
      expect(naming(rows, KATE)).toEqual([]);
      expect(naming(rows, 'bob@example.com')).toHaveLength(1);
    });
  });
});
