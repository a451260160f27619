import type { Database } from 'better-sqlite3';

/** Problems reported, at most: enough to tell an operator what is wrong, not a page of them. */
const MAX_PROBLEMS = 5;

/**
 * `PRAGMA quick_check`: every b-tree page and record is well formed (without the index-vs-table
 * cross-check of integrity_check, so it is O(size), not O(size·log size)). Returns undefined when the
 * database is sound, else what SQLite found. A database damaged enough makes the pragma itself throw
 * (SQLITE_CORRUPT, SQLITE_NOTADB): that is a failed check too.
 */
export function quickCheck(db: Database): string | undefined {
  try {
    const rows = db.prepare<[], { quick_check: string }>(`PRAGMA quick_check(${MAX_PROBLEMS})`).all();
    const problems = rows.map((row) => row.quick_check).filter((line) => line !== 'ok');
    return problems.length === 0 ? undefined : problems.join('; ');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return `${typeof code === 'string' ? `${code}: ` : ''}${error instanceof Error ? error.message : String(error)}`;
  }
}
