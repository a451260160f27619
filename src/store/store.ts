import type { JobRunStore } from './job-runs.js';
import type { OutboxStore } from './outbox.js';
import type { ForwardStore } from './webhook-forwards.js';
import type { InboxStore } from './webhook-inbox.js';

/**
 * The durable store behind one interface, so the embedded SQLite backend and the later PostgreSQL
 * backend are drop-ins (docs/architecture.md#storage). Every method is async even where SQLite is synchronous, because
 * the second backend is not. Each capability is its own sub-store; later issues add theirs here.
 */
export interface Store {
  readonly backend: 'sqlite' | 'postgres';
  /** Cheap round trip proving the store answers; used by /readyz. */
  ping(): Promise<void>;
  /** Versions of the migrations applied, ascending. */
  appliedMigrations(): Promise<number[]>;
  close(): Promise<void>;
  cache: CacheStore;
  jobRuns: JobRunStore;
  inbox: InboxStore;
  forwards: ForwardStore;
  outbox: OutboxStore;
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
