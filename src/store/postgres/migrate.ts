import { OUTBOX_KINDS } from '../outbox.js';
import type { PgDatabase } from './database.js';
import type { PgMigration } from './migrations.js';
import { inTransaction } from './storage-errors.js';

/** The advisory lock every replica takes before migrating: two replicas starting together migrate once. */
const MIGRATION_LOCK = 'klaviyo-bridge:migrate';

export const quoteIdentifier = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Applies the pending migrations in ONE transaction that first takes a transaction-level advisory
 * lock (pg_advisory_xact_lock, freed by the commit or the rollback, so a crashed replica never leaves
 * it held). A replica that starts while another migrates waits at the lock, then finds the versions
 * recorded and applies nothing. DDL is transactional in PostgreSQL: a failed migration leaves no trace.
 * Then every outbox kind gets its counters row if it has none. Returns the versions it applied.
 */
export async function applyPgMigrations(db: PgDatabase, migrations: PgMigration[], options: { schema?: string; now?: () => number } = {}): Promise<number[]> {
  const now = options.now ?? Date.now;
  return inTransaction(db, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [MIGRATION_LOCK]);
    if (options.schema !== undefined) await tx.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(options.schema)}`);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)`);
    const applied = new Set((await tx.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    const newlyApplied: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(migration.version)) continue;
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [migration.version, migration.name, now()]);
      newlyApplied.push(migration.version);
    }
    // Every outbox kind has its counters row (the cap's lock), also kinds added after migration 2.
    await tx.query('INSERT INTO outbox_counters (kind) SELECT unnest($1::text[]) ON CONFLICT (kind) DO NOTHING', [[...OUTBOX_KINDS]]);
    return newlyApplied;
  });
}
