import pg from 'pg';
import { guardSubStore } from '../guard.js';
import type { Store } from '../store.js';
import { createPgCache } from './cache.js';
import { describeConnectionString, poolDatabase, type PgDatabase } from './database.js';
import { fencedDatabase } from './fenced.js';
import { createPgHealth } from './health.js';
import { createPgJobRuns } from './job-runs.js';
import { applyPgMigrations } from './migrate.js';
import { pgMigrations } from './migrations.js';
import { createPgOutbox } from './outbox.js';
import { createPgPrivacy } from './privacy.js';
import { createPgKlaviyoConnection } from './klaviyo-connection.js';
import { createPgForwards } from './webhook-forwards.js';
import { createPgInbox } from './webhook-inbox.js';

export { pgliteDatabase, poolDatabase, type PgDatabase, type PgExecutor, type PgliteLike } from './database.js';
export { pgConnectionFailureCode } from './storage-errors.js';

/** OUTBOX_MAX_PENDING's default, as on SQLite. */
const DEFAULT_MAX_PENDING_PER_KIND = 1_000_000;

export interface PostgresStoreOptions {
  /** `postgres://user@host:port/database`: the store makes (and on close ends) its own pool. */
  connectionString?: string;
  /** A pool of the caller's, left open on close (its search_path decides the schema). */
  pool?: pg.Pool;
  /** An adapted database (pgliteDatabase, for tests): used as is. */
  database?: PgDatabase;
  /** With `connectionString`: the schema the store lives in, created if missing (one per test run). */
  schema?: string;
  /** Items of one outbox kind waiting for delivery at which its enqueue answers 503 outbox_full (OUTBOX_MAX_PENDING; default 1,000,000). */
  maxPendingPerKind?: number;
  /** With `connectionString`: connections in the pool (default 10). */
  maxConnections?: number;
}

/** Thrown when the store cannot open: the server, never its password, and why. */
export class PostgresStoreOpenError extends Error {
  constructor(target: string, cause: unknown) {
    super(`cannot open the PostgreSQL store at ${target}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'PostgresStoreOpenError';
  }
}

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

function databaseOf(options: PostgresStoreOptions): PgDatabase {
  if (options.database) return options.database;
  if (options.pool) return poolDatabase(options.pool, { owned: false });
  if (options.connectionString === undefined) throw new Error('openPostgresStore needs a connectionString, a pool or a database');
  if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) throw new Error(`not a plain schema name: ${options.schema}`);
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: 5_000,
    keepAlive: true,
    // A transaction left open by a replica that went silent (frozen, cut off) must not hold its row
    // locks for long: the leader row's share lock of a fenced write holds up a successor's epoch bump.
    // Our transactions never wait on anything but the database between statements.
    idle_in_transaction_session_timeout: 5_000,
    // A server that went silent (a partition) fails a query after this instead of hanging the request: 503, not a stuck client.
    query_timeout: 5_000,
    ...(options.schema !== undefined ? { options: `-c search_path=${options.schema}` } : {}),
  });
  // An idle client whose server went away emits 'error' on the pool; without a listener it would
  // crash the process. The next query meets the failure and reports it (health, 503).
  pool.on('error', () => undefined);
  return poolDatabase(pool, { owned: true, target: describeConnectionString(options.connectionString) });
}

/**
 * Opens (migrating) the store on PostgreSQL (docs/architecture.md#storage): the same Store as
 * openSqliteStore, for several replicas sharing one database (DATABASE_URL).
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const db = databaseOf(options);
  try {
    await applyPgMigrations(db, pgMigrations, { schema: options.connectionString !== undefined ? options.schema : undefined });
  } catch (error) {
    await db.close().catch(() => undefined);
    throw new PostgresStoreOpenError(db.target, error);
  }
  const health = createPgHealth(db);
  const maxPendingPerKind = options.maxPendingPerKind ?? DEFAULT_MAX_PENDING_PER_KIND;
  let closed = false;
  const subStores = (on: PgDatabase) => ({
    cache: guardSubStore('cache', createPgCache(on), health),
    jobRuns: guardSubStore('jobRuns', createPgJobRuns(on), health),
    inbox: guardSubStore('inbox', createPgInbox(on), health, ['storeDelivery']),
    forwards: guardSubStore('forwards', createPgForwards(on), health),
    outbox: guardSubStore('outbox', createPgOutbox(on, { maxPendingPerKind }), health, ['enqueue']),
    privacy: guardSubStore('privacy', createPgPrivacy(on), health, ['request']),
    klaviyoConnection: guardSubStore('klaviyoConnection', createPgKlaviyoConnection(on), health),
  });
  const store: Store = {
    backend: 'postgres',
    async ping() {
      try {
        await db.query('SELECT 1');
      } catch (error) {
        throw health.translate(error, 'ping');
      }
    },
    health: () => health.check(),
    async appliedMigrations() {
      return (await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).rows.map((r) => r.version);
    },
    async close() {
      if (closed) return;
      closed = true;
      health.closed();
      await db.close();
    },
    fencedTo(epoch, onFencedOut) {
      const view: Store = { ...store, close: async () => undefined, fencedTo: store.fencedTo, ...subStores(fencedDatabase(db, epoch, onFencedOut)) };
      return view;
    },
    ...subStores(db),
  };
  return store;
}
