import type { Store } from '../../../src/store/store.js';

/**
 * A backend under test. The conformance suites only use these three functions, so the same suites
 * run unchanged against SQLite now and PostgreSQL later.
 */
export interface StoreHarness {
  /** A fresh, empty, migrated store. */
  open(): Promise<Store>;
  /** Closes `store` and opens the same database again (a process restart). */
  reopen(store: Store): Promise<Store>;
  /** Drops everything the harness created. */
  cleanup(): Promise<void>;
}
