import type { Database } from 'better-sqlite3';
import type { Migration } from './migrations/index.js';

/**
 * Applies each pending migration in its own transaction, recording it in schema_migrations, so a
 * restart (or a crash half-way) re-runs exactly what is missing and nothing twice.
 */
export function applyMigrations(db: Database, migrations: Migration[], now: () => number = Date.now): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const applied = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((r) => r.version),
  );
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  const newlyApplied: number[] = [];
  for (const migration of sorted) {
    if (applied.has(migration.version)) continue;
    db.transaction(() => {
      migration.up(db);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        migration.version,
        migration.name,
        now(),
      );
    })();
    newlyApplied.push(migration.version);
  }
  return newlyApplied;
}
