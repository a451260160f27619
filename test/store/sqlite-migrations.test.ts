import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { applyMigrations } from '../../src/store/sqlite/migrate.js';
import { migrations } from '../../src/store/sqlite/migrations/index.js';
import { openSqliteStore, SQLITE_FILE } from '../../src/store/sqlite/open.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('sqlite migrations', () => {
  it('when a store of the previous schema (v4) is opened, then its outbox rows survive the rebuild and no item id is ever reused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kb-migrate-'));
    dirs.push(dir);
    const db = new Database(join(dir, SQLITE_FILE));
    applyMigrations(db, migrations.filter((m) => m.version <= 4));
    const insert = db.prepare(`INSERT INTO outbox_items (kind, state, payload_json, size_bytes, available_at, created_at) VALUES (?, ?, '{}', 2, 0, 0)`);
    insert.run('event', 'pending');
    insert.run('event', 'dead');
    insert.run('event', 'pending');
    db.prepare('DELETE FROM outbox_items WHERE id = 3').run(); // delivered: deleted, its id must stay used
    db.close();

    const store = openSqliteStore({ dataDir: dir });
    const stats = await store.outbox.stats(new Date());
    expect(stats.kinds.event).toMatchObject({ pending: 1, dead: 1, verifying: 0 });
    await store.outbox.enqueue([{ items: [{ kind: 'event', payload: { n: 4 } }] }], new Date());
    const batch = await store.outbox.claim({ kind: 'event', limit: 10, leaseMs: 1_000, now: new Date() });
    expect(batch.items.map((i) => i.id)).toEqual(['1', '4']);
    await store.close();
  });
});
