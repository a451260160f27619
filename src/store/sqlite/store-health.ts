import { statfs } from 'node:fs/promises';
import type { Database } from 'better-sqlite3';
import { StorageUnavailableError } from '../../lib/errors.js';
import type { StoreHealth } from '../store.js';
import { corruptDetail } from './open-errors.js';
import { quickCheck } from './quick-check.js';
import { isCorruptionCode, storageFailureCode } from './storage-errors.js';

export interface StoreHealthOptions {
  db: Database;
  /** The database file, named in the corruption detail. */
  file: string;
  /** Its directory, whose filesystem's free space is checked. */
  dataDir: string;
  /** health() fails while the filesystem has less free space than this, in bytes. */
  minFreeBytes: number;
}

export interface StoreHealthState {
  /** A storage failure (storage-errors.ts) becomes a StorageUnavailableError and is remembered; any other error passes through. */
  translate(error: unknown, operation: string): unknown;
  /** A write that gates an acknowledgment committed: the store takes writes again. */
  writeCommitted(): void;
  closed(): void;
  check(): Promise<StoreHealth>;
}

/** A sample write of a typical request's size (bytes): what the health probe must be able to commit. */
const PROBE_BYTES = 16 * 1024;
const mb = (bytes: number) => `${Math.round(bytes / 1024 ** 2)} MB`;

/**
 * The store's own view of its health, behind Store.health(). A storage failure keeps it failing
 * until a write commits again. Traffic alone cannot be relied on to prove that: once /readyz fails, a
 * load balancer sends none. So while failing, each check tries a sample write of its own (a row of
 * PROBE_BYTES in `store_probe`, deleted in the same transaction, with no busy wait), and recovers as
 * soon as one commits. Corruption never heals: the check fails until the file is replaced.
 */
export function createStoreHealth(options: StoreHealthOptions): StoreHealthState {
  const { db, file, dataDir, minFreeBytes } = options;
  let failure: { code: string; operation: string; at: Date } | undefined;
  let corruption: string | undefined;
  /** Set by a corruption error: the quick_check still to run, as `operation: code`. */
  let suspected: string | undefined;
  let quickChecked = false;
  let isClosed = false;

  /**
   * Once per process: the check reads the whole file. Found, corruption does not heal; not found (the
   * error came and went), the failure clears like any other once a write commits. It runs on the next
   * turn, after the failing request has had its 503, or in health() if that comes first.
   */
  const settleSuspicion = () => {
    if (suspected === undefined || isClosed) return;
    const metBy = suspected;
    suspected = undefined;
    const problems = quickCheck(db);
    if (problems !== undefined) corruption = `${corruptDetail(file, problems)} (met by ${metBy})`;
  };

  const probeWrite = db.transaction(() => {
    db.prepare('INSERT OR REPLACE INTO store_probe (id, filler) VALUES (1, zeroblob(?))').run(PROBE_BYTES);
    db.prepare('DELETE FROM store_probe').run();
  });
  const answer = db.prepare('SELECT 1');
  const busyTimeout = db.prepare<[], { timeout: number }>('PRAGMA busy_timeout');
  /** Undefined when the sample write committed, else its SQLite code. */
  const probe = (): string | undefined => {
    const waitMs = busyTimeout.get()?.timeout ?? 0;
    // A health check must not hold the event loop for a busy wait: it asks once.
    db.exec('PRAGMA busy_timeout = 0');
    try {
      probeWrite();
      return undefined;
    } catch (error) {
      return storageFailureCode(error) ?? (error instanceof Error ? error.message : String(error));
    } finally {
      db.exec(`PRAGMA busy_timeout = ${waitMs}`);
    }
  };

  const freeSpaceProblem = async (): Promise<string | undefined> => {
    try {
      const stats = await statfs(dataDir);
      const free = stats.bavail * stats.bsize;
      return free < minFreeBytes ? `only ${mb(free)} free on the filesystem of ${dataDir}, under the floor of ${mb(minFreeBytes)}` : undefined;
    } catch (error) {
      return `cannot read the free space of ${dataDir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`;
    }
  };

  return {
    translate(error, operation) {
      const code = storageFailureCode(error);
      if (code === undefined) return error;
      if (isCorruptionCode(code) && !quickChecked) {
        quickChecked = true;
        suspected = `${operation}: ${code}`;
        setImmediate(settleSuspicion);
      }
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
      settleSuspicion();
      const problems: string[] = [];
      if (corruption !== undefined) problems.push(corruption);
      else if (failure !== undefined) {
        const probeCode = probe();
        if (probeCode === undefined) failure = undefined;
        else problems.push(`${failure.operation} failed with ${failure.code} at ${failure.at.toISOString()}, and a sample write still fails (${probeCode})`);
      }
      try {
        answer.get();
      } catch (error) {
        problems.push(`the store does not answer: ${storageFailureCode(error) ?? (error instanceof Error ? error.message : String(error))}`);
      }
      const space = await freeSpaceProblem();
      if (space !== undefined) problems.push(space);
      return problems.length === 0 ? { ok: true } : { ok: false, detail: problems.join('; ') };
    },
  };
}
