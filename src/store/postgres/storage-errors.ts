import type { PgDatabase, PgExecutor } from './database.js';

/**
 * Which PostgreSQL failures are the storage's, not the request's: the server cannot be reached or
 * dropped the connection (a restart, a failover, an admin shutdown), or refuses new connections. A
 * write that gates an acknowledgment and meets one is answered 503 with Retry-After, like SQLite's
 * storage failures (../sqlite/storage-errors.ts); a constraint violation or an SQL error stays a 500.
 */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/**
 * SQLSTATEs: 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now, 57P05
 * idle_session_timeout, 25P03 idle_in_transaction_session_timeout (the server ended a session we
 * left waiting, e.g. while the process was paused), 53300 too_many_connections; class 08 is
 * connection exceptions.
 */
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '57P05', '25P03', '53300']);
/** pg's own errors for a connection that ended or never came (they carry no code). */
const MESSAGES = [/connection terminated/i, /timeout exceeded when trying to connect/i, /connection timeout/i, /client has encountered a connection error/i, /cannot use a pool after calling end/i, /query read timeout/i];

/** The code (SQLSTATE, errno or `connection`) when `error` is a connection failure, else undefined. */
export function pgConnectionFailureCode(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as Error & { code?: unknown }).code;
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return code;
  }
  // Node's happy-eyeballs connect fails with an AggregateError of one error per address.
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const found = pgConnectionFailureCode(inner);
      if (found !== undefined) return found;
    }
  }
  if (typeof code !== 'string' && MESSAGES.some((pattern) => pattern.test(error.message))) return 'connection';
  return undefined;
}

/** 40P01 deadlock_detected and 40001 serialization_failure: the transaction can simply run again. */
const RETRYABLE = new Set(['40P01', '40001']);
const ATTEMPTS = 3;

/** One transaction, run again (up to three times) when PostgreSQL aborted it for a deadlock or a serialization failure. */
export async function inTransaction<T>(db: PgDatabase, body: (tx: PgExecutor) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await db.transaction(body);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (attempt >= ATTEMPTS || typeof code !== 'string' || !RETRYABLE.has(code)) throw error;
    }
  }
}
