import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import type { Store } from '../store.js';
import { createSqliteCache } from './cache.js';
import { assertReadWrite, prepareDataDir, restrictStoreFiles } from './data-dir.js';
import { guardSubStore } from './guard.js';
import { registerSqliteHandle } from './handle.js';
import { createSqliteJobRuns } from './job-runs.js';
import { applyMigrations } from './migrate.js';
import { migrations } from './migrations/index.js';
import { cannotOpen, corruptDatabase, notADatabase, StoreOpenError } from './open-errors.js';
import { createOutboxBacklog, DEFAULT_MAX_PENDING_PER_KIND } from './outbox-backlog.js';
import { createSqliteOutbox } from './outbox.js';
import { createSqlitePrivacy } from './privacy.js';
import { createSqliteKlaviyoConnection } from './klaviyo-connection.js';
import { quickCheck } from './quick-check.js';
import { openRetainedDatabase, setPragmas } from './retained-database.js';
import { acquireStoreLock } from './store-lock.js';
import { createStoreHealth } from './store-health.js';
import { isCorruptionCode, storageFailureCode } from './storage-errors.js';
import { createSqliteForwards } from './webhook-forwards.js';
import { createSqliteInbox } from './webhook-inbox.js';

export const SQLITE_FILE = 'klaviyo-bridge.db';
export { LOCK_FILE } from './store-lock.js';
export { StoreOpenError } from './open-errors.js';

/** MIN_FREE_DISK_MB's default, in bytes. */
export const DEFAULT_MIN_FREE_BYTES = 100 * 1024 * 1024;

export interface SqliteStoreOptions {
  /** Directory holding the database file; created (0700) if missing. */
  dataDir: string;
  /** Items of one outbox kind waiting for delivery at which its enqueue answers 503 outbox_full (OUTBOX_MAX_PENDING; default 1,000,000). */
  maxPendingPerKind?: number;
  /** health() fails while the DATA_DIR filesystem has less free space than this, in bytes (MIN_FREE_DISK_MB; default 100 MB). */
  minFreeBytes?: number;
  /** `PRAGMA quick_check` before the store opens (STORE_QUICK_CHECK; default true). It reads the whole file: skip it for very large stores. */
  quickCheck?: boolean;
}

/**
 * Opens (creating and migrating) the embedded store in `dataDir` (docs/architecture.md#storage).
 * Refuses, with a StoreOpenError naming the file and the fix, when another process holds the store,
 * when a file cannot be read or written, or when the database is not one or is corrupt.
 */
export function openSqliteStore(options: SqliteStoreOptions): Store {
  const { dataDir } = options;
  const file = join(dataDir, SQLITE_FILE);
  const storeFiles = [file, `${file}-wal`, `${file}-shm`];
  prepareDataDir(dataDir);
  assertReadWrite(storeFiles);
  const lock = acquireStoreLock(dataDir);
  let db: Database | undefined;
  try {
    db = openDatabase(file, options.quickCheck ?? true);
    restrictStoreFiles(storeFiles);
    return assembleStore(db, { ...options, file, release: lock.release });
  } catch (error) {
    if (db?.open) db.close();
    lock.release();
    throw error;
  }
}

/** The database, with its pragmas set, checked (unless told not to) and migrated. */
function openDatabase(file: string, check: boolean): Database {
  let db: Database;
  try {
    db = openRetainedDatabase(file);
  } catch (error) {
    throw cannotOpen(file, error);
  }
  try {
    // Before SQLite creates the -wal and -shm files, which take the database file's mode.
    restrictStoreFiles([file]);
    setPragmas(db, [
      'journal_mode = WAL',
      // FULL: a committed transaction survives power loss, not only a process crash. An acknowledged
      // item must never be lost, so durability wins over speed.
      'synchronous = FULL',
      'busy_timeout = 5000',
      'foreign_keys = ON',
      // Deleted rows are overwritten with zeros, so a privacy deletion leaves nothing of the person
      // in the file's free space (docs/privacy.md).
      'secure_delete = ON',
    ]);
    if (check) {
      const problems = quickCheck(db);
      if (problems !== undefined) throw corruptDatabase(file, problems);
    }
    applyMigrations(db, migrations);
    return db;
  } catch (error) {
    db.close();
    if (error instanceof StoreOpenError) throw error;
    const code = storageFailureCode(error);
    if (code === 'SQLITE_NOTADB') throw notADatabase(file, error);
    if (code !== undefined && isCorruptionCode(code)) throw corruptDatabase(file, `${code}: ${(error as Error).message}`, error);
    throw cannotOpen(file, error);
  }
}

function assembleStore(db: Database, options: SqliteStoreOptions & { file: string; release: () => void }): Store {
  const health = createStoreHealth({ db, file: options.file, dataDir: options.dataDir, minFreeBytes: options.minFreeBytes ?? DEFAULT_MIN_FREE_BYTES });
  const ping = db.prepare('SELECT 1');
  const versions = db.prepare<[], { version: number }>('SELECT version FROM schema_migrations ORDER BY version');
  let closed = false;
  // One count of the waiting outbox, kept by the outbox and by the privacy purge alike.
  const backlog = createOutboxBacklog(db, options.maxPendingPerKind ?? DEFAULT_MAX_PENDING_PER_KIND);
  const store: Store = {
    backend: 'sqlite',
    async ping() {
      ping.get();
    },
    health: () => health.check(),
    async appliedMigrations() {
      return versions.all().map((r) => r.version);
    },
    async close() {
      if (closed) return;
      closed = true;
      health.closed();
      db.close();
      options.release();
    },
    fencedTo: () => store,
    cache: guardSubStore('cache', createSqliteCache(db), health),
    jobRuns: guardSubStore('jobRuns', createSqliteJobRuns(db), health),
    inbox: guardSubStore('inbox', createSqliteInbox(db), health, ['storeDelivery']),
    forwards: guardSubStore('forwards', createSqliteForwards(db), health),
    outbox: guardSubStore('outbox', createSqliteOutbox(db, { backlog }), health, ['enqueue']),
    privacy: guardSubStore('privacy', createSqlitePrivacy(db, backlog), health, ['request']),
    klaviyoConnection: guardSubStore('klaviyoConnection', createSqliteKlaviyoConnection(db), health),
  };
  registerSqliteHandle(store, db);
  return store;
}
