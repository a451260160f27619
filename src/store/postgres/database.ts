import pg from 'pg';
import { pgConnectionFailureCode } from './storage-errors.js';

export interface PgQueryResult<R> {
  rows: R[];
  /** Rows inserted, updated or deleted (or returned, for a SELECT). */
  rowCount: number;
}

/**
 * The little of a PostgreSQL connection the store needs. `pg.Pool` (poolDatabase) and PGlite
 * (pgliteDatabase, for tests) both satisfy it, so the same SQL runs on a server and in process.
 * int8 and numeric values come back as JS numbers (ids, epoch milliseconds and counts all fit).
 */
export interface PgExecutor {
  query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<PgQueryResult<R>>;
  /** Several statements, without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface PgDatabase extends PgExecutor {
  /** Where the store is, for health details and errors: never a password. */
  readonly target: string;
  /** Runs `body` in one transaction on one connection: committed when it resolves, rolled back when it throws. */
  transaction<T>(body: (tx: PgExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** int8 (20) and numeric (1700) as numbers: COUNT(*), identity ids and epoch-ms columns. */
const NUMERIC_OIDS = new Set([20, 1700]);
const toNumber = (value: string) => Number(value);
export const pgTypeParsers = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') => (NUMERIC_OIDS.has(oid) ? toNumber : pg.types.getTypeParser(oid, format ?? 'text')),
} as unknown as pg.CustomTypesConfig;

type PgQueryable = Pick<pg.PoolClient, 'query'>;

function executorOf(client: PgQueryable): PgExecutor {
  return {
    async query<R>(text: string, values: unknown[] = []) {
      const result = await client.query({ text, values, types: pgTypeParsers });
      return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
    },
    async exec(sql) {
      await client.query(sql);
    },
  };
}

/** A connection string's place, without its password: `user@host:port/database`. */
export function describeConnectionString(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    const user = url.username ? `${decodeURIComponent(url.username)}@` : '';
    return `postgres://${user}${url.hostname}:${url.port || '5432'}${url.pathname}`;
  } catch {
    return 'postgres (unparsable connection string)';
  }
}

function describePool(pool: pg.Pool): string {
  const options = (pool as unknown as { options?: { connectionString?: string; host?: string; port?: number; database?: string; user?: string } }).options ?? {};
  if (options.connectionString) return describeConnectionString(options.connectionString);
  const user = options.user ? `${options.user}@` : '';
  return `postgres://${user}${options.host ?? 'localhost'}:${options.port ?? 5432}/${options.database ?? ''}`;
}

/**
 * A `pg.Pool` as a PgDatabase. `owned`: close() ends the pool (a pool the store created from a
 * connection string); a pool passed in stays the caller's to end.
 */
export function poolDatabase(pool: pg.Pool, options: { owned: boolean; target?: string }): PgDatabase {
  const direct = executorOf(pool);
  return {
    target: options.target ?? describePool(pool),
    query: direct.query,
    exec: direct.exec,
    async transaction(body) {
      const client = await pool.connect();
      let discard: Error | undefined;
      // The server may end the session while we hold it (idle_in_transaction_session_timeout after a
      // pause, an admin's pg_terminate_backend): pg emits that on the client, and an 'error' with no
      // listener would end the process. The next query fails anyway; the client is not reused.
      const onError = (error: Error) => {
        discard ??= error;
      };
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const result = await body(executorOf(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        if (pgConnectionFailureCode(error) !== undefined) {
          // The connection is gone or silent: a ROLLBACK would only wait as long again. Dropping the
          // connection ends the transaction on the server.
          discard = error instanceof Error ? error : new Error(String(error));
          throw error;
        }
        try {
          await client.query('ROLLBACK');
        } catch (rollback) {
          // The connection is gone or broken: never hand it to the next caller.
          discard = rollback instanceof Error ? rollback : new Error(String(rollback));
        }
        throw error;
      } finally {
        client.off('error', onError);
        client.release(discard);
      }
    },
    async close() {
      if (options.owned) await pool.end();
    },
  };
}

/** What the store uses of a PGlite instance (`@electric-sql/pglite`), typed here so the product never imports it. */
export interface PgliteLike {
  query<R>(text: string, params?: unknown[], options?: { parsers?: Record<number, (value: string, typeId: number) => unknown> }): Promise<{ rows: R[]; affectedRows?: number }>;
  exec(sql: string): Promise<unknown>;
  transaction<T>(body: (tx: Pick<PgliteLike, 'query' | 'exec'>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const pgliteParsers = { 20: toNumber, 1700: toNumber };

function pgliteExecutor(db: Pick<PgliteLike, 'query' | 'exec'>): PgExecutor {
  return {
    async query<R>(text: string, values: unknown[] = []) {
      const result = await db.query<R>(text, values, { parsers: pgliteParsers });
      return { rows: result.rows, rowCount: result.affectedRows || result.rows.length };
    },
    async exec(sql) {
      await db.exec(sql);
    },
  };
}

/**
 * PGlite (PostgreSQL in WebAssembly, one session) as a PgDatabase, for tests with no server.
 * `owned`: close() closes the instance; tests sharing one instance across stores pass false.
 */
export function pgliteDatabase(db: PgliteLike, options: { owned: boolean; target?: string }): PgDatabase {
  const direct = pgliteExecutor(db);
  return {
    target: options.target ?? 'pglite',
    query: direct.query,
    exec: direct.exec,
    transaction: (body) => db.transaction((tx) => body(pgliteExecutor(tx))),
    async close() {
      if (options.owned) await db.close();
    },
  };
}
