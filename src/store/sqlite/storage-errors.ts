/**
 * Which SQLite failures are the storage's, not the request's: the disk is full, the file cannot be
 * written or read back, another connection holds the lock past the busy timeout, or the database is
 * damaged. A write that gates an acknowledgment and meets one of these is answered 503 with
 * Retry-After (the client keeps its data and sends it again), never a 500; a constraint violation or
 * an SQL error is a bug and stays a 500.
 */
const STORAGE_FAILURES = ['SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_READONLY', 'SQLITE_BUSY', 'SQLITE_CORRUPT', 'SQLITE_NOTADB', 'SQLITE_CANTOPEN'];

/** The damaged-database codes: after one, the store runs `PRAGMA quick_check` and reports itself unhealthy. */
const CORRUPTION = ['SQLITE_CORRUPT', 'SQLITE_NOTADB'];

/** better-sqlite3's SqliteError carries SQLite's extended result code (e.g. SQLITE_IOERR_FSYNC) as `code`. */
function sqliteCode(error: unknown): string | undefined {
  if (!(error instanceof Error) || error.name !== 'SqliteError') return undefined;
  const code = (error as Error & { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

const matches = (code: string, primary: string) => code === primary || code.startsWith(`${primary}_`);

/** The SQLite code when `error` is a storage failure (primary code or any of its extended codes), else undefined. */
export function storageFailureCode(error: unknown): string | undefined {
  const code = sqliteCode(error);
  return code !== undefined && STORAGE_FAILURES.some((primary) => matches(code, primary)) ? code : undefined;
}

export function isCorruptionCode(code: string): boolean {
  return CORRUPTION.some((primary) => matches(code, primary));
}
