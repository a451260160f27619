import type { Database } from 'better-sqlite3';
import type { Store } from '../store.js';

const handles = new WeakMap<Store, Database>();

/** Records the connection behind a SQLite store (open.ts does, once per store). */
export function registerSqliteHandle(store: Store, db: Database): void {
  handles.set(store, db);
}

/**
 * The better-sqlite3 connection behind a store that openSqliteStore opened, for tests that provoke
 * real SQLite failures on the store's own connection (`PRAGMA max_page_count`, `query_only`,
 * `busy_timeout`: per-connection settings no second connection can change). The service never
 * calls this: everything it does goes through the Store interfaces.
 */
export function sqliteHandleOf(store: Store): Database {
  const db = handles.get(store);
  if (!db) throw new Error('not a store opened by openSqliteStore');
  return db;
}
