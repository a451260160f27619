import { StorageUnavailableError } from '../../lib/errors.js';
import type { SubStoreFailures } from '../guard.js';
import type { StoreHealth } from '../store.js';
import type { PgDatabase } from './database.js';
import { pgConnectionFailureCode } from './storage-errors.js';

export interface PgHealthState extends SubStoreFailures {
  closed(): void;
  check(): Promise<StoreHealth>;
}

const describe = (error: unknown) => pgConnectionFailureCode(error) ?? (error instanceof Error ? error.message : String(error));

/**
 * Store.health() on PostgreSQL: ok unless the last write met a connection failure
 * (storage-errors.ts), or the server does not answer now. As on SQLite, a remembered failure clears
 * once a write commits: a gating write through the store, or the sample write (a row of `store_probe`,
 * deleted in the same transaction) each check tries while failing, since a load balancer sends no
 * traffic once /readyz fails. Details name the server as `user@host:port/database`, never a password.
 */
export function createPgHealth(db: PgDatabase): PgHealthState {
  let failure: { code: string; operation: string; at: Date } | undefined;
  let isClosed = false;

  const probe = async (): Promise<string | undefined> => {
    try {
      await db.transaction(async (tx) => {
        await tx.query("INSERT INTO store_probe (id, filler) VALUES (1, '\\x00'::bytea) ON CONFLICT (id) DO UPDATE SET filler = excluded.filler");
        await tx.query('DELETE FROM store_probe');
      });
      return undefined;
    } catch (error) {
      return describe(error);
    }
  };

  return {
    translate(error, operation) {
      const code = pgConnectionFailureCode(error);
      if (code === undefined) return error;
      failure = { code, operation, at: new Date() };
      return new StorageUnavailableError({ cause: error });
    },
    writeCommitted() {
      failure = undefined;
    },
    closed() {
      isClosed = true;
    },
    async check() {
      if (isClosed) return { ok: false, detail: 'the store is closed' };
      const problems: string[] = [];
      if (failure !== undefined) {
        const probeCode = await probe();
        if (probeCode === undefined) failure = undefined;
        else problems.push(`${failure.operation} failed with ${failure.code} at ${failure.at.toISOString()}, and a sample write to ${db.target} still fails (${probeCode})`);
      }
      if (problems.length === 0) {
        try {
          await db.query('SELECT 1');
        } catch (error) {
          problems.push(`${db.target} does not answer: ${describe(error)}`);
        }
      }
      return problems.length === 0 ? { ok: true } : { ok: false, detail: problems.join('; ') };
    },
  };
}
