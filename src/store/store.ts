import type { JobRunStore } from './job-runs.js';
import type { OutboxStore } from './outbox.js';
import type { KlaviyoConnectionStore } from './klaviyo-connection.js';
import type { PrivacyStore } from './privacy.js';
import type { ForwardStore } from './webhook-forwards.js';
import type { InboxStore } from './webhook-inbox.js';

/**
 * The durable store behind one interface, so the embedded SQLite backend and the later PostgreSQL
 * backend are drop-ins (docs/architecture.md#storage). Every method is async even where SQLite is synchronous, because
 * the second backend is not. Each capability is its own sub-store; later issues add theirs here.
 */
export interface Store {
  readonly backend: 'sqlite' | 'postgres';
  /** Cheap round trip proving the store answers. */
  ping(): Promise<void>;
  /**
   * Whether the store can take the writes that gate an acknowledgment, for /readyz: failing (with
   * `detail` saying why) after a storage error until a write succeeds again, while free space on the
   * store's filesystem is under its floor, or once the database is found corrupt. Never throws.
   */
  health(): Promise<StoreHealth>;
  /** Versions of the migrations applied, ascending. */
  appliedMigrations(): Promise<number[]>;
  close(): Promise<void>;
  /**
   * The store as the leader of `epoch` uses it (docs/replicas.md): on PostgreSQL every write first
   * checks that `epoch` is still the current one, and a superseded epoch's write throws
   * FencedOutError (./leadership.ts), changes nothing and calls `onFencedOut`. On SQLite, whose one
   * process is the only leader there can be, the store itself. Closing the view closes nothing.
   */
  fencedTo(epoch: number, onFencedOut: (epoch: number) => void): Store;
  cache: CacheStore;
  jobRuns: JobRunStore;
  inbox: InboxStore;
  forwards: ForwardStore;
  outbox: OutboxStore;
  /** Privacy deletions and the purge of a person (docs/privacy.md). */
  privacy: PrivacyStore;
  /** The Klaviyo OAuth connection, sealed, and pending authorizations (OAuth app mode). */
  klaviyoConnection: KlaviyoConnectionStore;
}

export interface StoreHealth {
  ok: boolean;
  /** Why not, for operators (paths, SQLite codes, free space): never shown to API clients. */
  detail?: string;
}

/** A JSON value cache with per-entry lifetimes (the jobs' Klaviyo reads: predictive 24 h, segments 1 h, …). */
export interface CacheStore {
  /** The stored value, or undefined when absent or expired at `now`. */
  get<T = unknown>(key: string, now: Date): Promise<T | undefined>;
  /** Stores `value` (JSON-serializable) until `now + ttlMs` milliseconds. */
  set(key: string, value: unknown, ttlMs: number, now: Date): Promise<void>;
  delete(key: string): Promise<void>;
  /** Removes entries expired at `now`; returns how many. */
  purgeExpired(now: Date): Promise<number>;
}
