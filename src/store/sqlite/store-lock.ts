import { join } from 'node:path';
import { assertReadWrite, restrictStoreFiles } from './data-dir.js';
import { heldByAnotherProcess } from './open-errors.js';
import { openRetainedDatabase, setPragmas } from './retained-database.js';
import { storageFailureCode } from './storage-errors.js';

export const LOCK_FILE = 'klaviyo-bridge.lock';

export interface StoreLock {
  readonly file: string;
  release(): void;
}

/**
 * One process per store: the outbox's lease recovery, the backlog count and the limiters all assume
 * this process is the store's only user. The lock is an OS-level lock, not a pid file: a small SQLite
 * database beside the store (`klaviyo-bridge.lock`), opened in `locking_mode = EXCLUSIVE` and written
 * once, so its connection holds SQLite's exclusive lock (a POSIX fcntl lock) until it closes. The
 * kernel drops such a lock when its process ends, however it ends (SIGKILL, OOM, a crash), so a dead
 * holder never blocks a restart, and no pid is compared (a recycled pid cannot fool it). A second
 * process, or a second open inside this one (SQLite tracks its own connections' locks), gets
 * SQLITE_BUSY at once (busy_timeout 0).
 *
 * Why not lock the database file itself with `locking_mode = EXCLUSIVE`: that shuts out every reader,
 * including `sqlite3 … .backup` and an operator's read-only look, and changes how the store's own WAL
 * works (no shared memory). A separate lock file leaves the database as it was. fcntl locks are not
 * reliable on some network filesystems (NFS without lockd), which the docs already rule out for SQLite.
 */
export function acquireStoreLock(dataDir: string): StoreLock {
  const file = join(dataDir, LOCK_FILE);
  assertReadWrite([file]);
  const db = openRetainedDatabase(file);
  try {
    restrictStoreFiles([file]);
    // Nothing in this file needs durability: it exists only to be locked.
    setPragmas(db, ['busy_timeout = 0', 'locking_mode = EXCLUSIVE', 'journal_mode = MEMORY', 'synchronous = OFF']);
    // A write (not only BEGIN EXCLUSIVE) makes the connection take the exclusive lock and keep it.
    db.exec(`BEGIN EXCLUSIVE;
      CREATE TABLE IF NOT EXISTS holder (id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER NOT NULL, since INTEGER NOT NULL);
      INSERT OR REPLACE INTO holder (id, pid, since) VALUES (1, ${process.pid}, ${Date.now()});
      COMMIT;`);
  } catch (error) {
    db.close();
    if (storageFailureCode(error)?.startsWith('SQLITE_BUSY')) throw heldByAnotherProcess(dataDir, file, error);
    throw error;
  }
  return {
    file,
    release() {
      if (db.open) db.close();
    },
  };
}
