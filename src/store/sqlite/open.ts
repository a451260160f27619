import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '../store.js';
import { createSqliteCache } from './cache.js';
import { createSqliteJobRuns } from './job-runs.js';
import { applyMigrations } from './migrate.js';
import { migrations } from './migrations/index.js';
import { createSqliteOutbox } from './outbox.js';
import { openRetainedDatabase, setPragmas } from './retained-database.js';
import { createSqliteForwards } from './webhook-forwards.js';
import { createSqliteInbox } from './webhook-inbox.js';

export const SQLITE_FILE = 'klaviyo-bridge.db';

export interface SqliteStoreOptions {
  /** Directory holding the database file; created if missing. */
  dataDir: string;
}

/** Opens (creating and migrating) the embedded store in `dataDir` (docs/architecture.md#storage). */
export function openSqliteStore(options: SqliteStoreOptions): Store {
  mkdirSync(options.dataDir, { recursive: true });
  const db = openRetainedDatabase(join(options.dataDir, SQLITE_FILE));
  setPragmas(db, [
    'journal_mode = WAL',
    // FULL: a committed transaction survives power loss, not only a process crash. An acknowledged
    // item must never be lost, so durability wins over speed.
    'synchronous = FULL',
    'busy_timeout = 5000',
    'foreign_keys = ON',
  ]);
  applyMigrations(db, migrations);

  const ping = db.prepare('SELECT 1');
  const versions = db.prepare<[], { version: number }>('SELECT version FROM schema_migrations ORDER BY version');
  let closed = false;
  return {
    backend: 'sqlite',
    async ping() {
      ping.get();
    },
    async appliedMigrations() {
      return versions.all().map((r) => r.version);
    },
    async close() {
      if (closed) return;
      closed = true;
      db.close();
    },
    cache: createSqliteCache(db),
    jobRuns: createSqliteJobRuns(db),
    inbox: createSqliteInbox(db),
    forwards: createSqliteForwards(db),
    outbox: createSqliteOutbox(db),
  };
}
