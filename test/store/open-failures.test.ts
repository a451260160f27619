import { spawnSync } from 'node:child_process';
import { chmodSync, openSync, rmSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { sqliteHandleOf } from '../../src/store/sqlite/handle.js';
import { openSqliteStore, SQLITE_FILE } from '../../src/store/sqlite/open.js';
import type { Store } from '../../src/store/store.js';
import { tempDir } from '../helpers/temp-dirs.js';
import { runningAsRoot, spawnStoreProcess, UNPRIVILEGED } from './support/store-process-runner.js';

const open: Store[] = [];
afterEach(async () => {
  for (const store of open.splice(0)) await store.close();
});
const openStore = (dataDir: string, options: { quickCheck?: boolean } = {}) => {
  const store = openSqliteStore({ dataDir, minFreeBytes: 0, ...options });
  open.push(store);
  return store;
};

/**
 * chmod denies nothing to root. As root, the opener runs as nobody instead (a child process with
 * another uid), so the permissions still apply; only if that uid cannot be taken is the test skipped.
 */
const canDropPrivileges = !runningAsRoot || spawnSync(process.execPath, ['-e', ''], UNPRIVILEGED).status === 0;
const permissionReason = 'running as root and unable to start a process as nobody, so chmod cannot deny anything';

/** Fills the outbox, closes the store, and overwrites the header of the outbox table's root page. */
async function storeWithCorruptOutbox(dataDir: string): Promise<string> {
  const store = openSqliteStore({ dataDir, minFreeBytes: 0 });
  await store.outbox.enqueue(Array.from({ length: 300 }, (_, n) => ({ items: [{ kind: 'event' as const, payload: { n, pad: 'p'.repeat(200) } }] })), new Date());
  const db = sqliteHandleOf(store);
  const { rootpage } = db.prepare<[], { rootpage: number }>(`SELECT rootpage FROM sqlite_master WHERE name = 'outbox_items'`).get()!;
  const { page_size: pageSize } = db.prepare<[], { page_size: number }>('PRAGMA page_size').get()!;
  await store.close(); // the last connection checkpoints the WAL into the file
  const file = join(dataDir, SQLITE_FILE);
  const fd = openSync(file, 'r+');
  writeSync(fd, Buffer.alloc(16, 0), 0, 16, (rootpage - 1) * pageSize + 8);
  closeSync(fd);
  return file;
}

describe('a corrupt or unreadable store', () => {
  it('when the database file is not a database, then open fails naming the file and the fix, and works once it is moved aside', () => {
    const dataDir = tempDir('kb-corrupt-');
    const file = join(dataDir, SQLITE_FILE);
    writeFileSync(file, 'this is a spreadsheet, not a database '.repeat(200));

    expect(() => openSqliteStore({ dataDir })).toThrow(`${file} is not a valid database`);
    expect(() => openSqliteStore({ dataDir })).toThrow(/move it aside and restore from a backup/);

    rmSync(file);
    expect(() => openStore(dataDir)).not.toThrow();
  });

  it('when a page of the database is damaged, then quick_check at open fails naming the file and the fix', async () => {
    const dataDir = tempDir('kb-corrupt-');
    const file = await storeWithCorruptOutbox(dataDir);
    expect(() => openSqliteStore({ dataDir })).toThrow(`${file} is corrupt`);
    expect(() => openSqliteStore({ dataDir })).toThrow(/quick_check.*move it aside and restore from a backup/s);
  });

  it('when quick_check is skipped and the damage is met at run time, then the write answers 503 and health fails with the quick_check result', async () => {
    const dataDir = tempDir('kb-corrupt-');
    const file = await storeWithCorruptOutbox(dataDir);
    const store = openStore(dataDir, { quickCheck: false });

    await expect(store.outbox.enqueue([{ items: [{ kind: 'event', payload: { late: true } }] }], new Date())).rejects.toMatchObject({ status: 503, code: 'storage_unavailable' });
    const health = await store.health();
    expect(health.ok).toBe(false);
    expect(health.detail).toContain(`${file} is corrupt`);
    expect(health.detail).toMatch(/quick_check/);
    // Corruption does not heal: health keeps failing.
    expect((await store.health()).ok).toBe(false);
  });

  it.skipIf(!canDropPrivileges)('when DATA_DIR cannot be read or written, then open fails with "EACCES on <dir>: fix its permissions"', { timeout: 30_000 }, async (ctx) => {
    if (!canDropPrivileges) ctx.skip(permissionReason);
    const dataDir = tempDir('kb-eacces-');
    chmodSync(dataDir, 0o000);
    const opener = spawnStoreProcess(dataDir, 'close', { asUnprivileged: true });
    expect(await opener.exited).toBe(2);
    expect(opener.stderr()).toContain(`EACCES on ${dataDir}: fix its permissions (the service needs read/write)`);
    chmodSync(dataDir, 0o700);
  });

  it.skipIf(!canDropPrivileges)('when the database file cannot be read or written, then open fails with "EACCES on <file>"', { timeout: 30_000 }, async () => {
    const dataDir = tempDir('kb-eacces-');
    const file = join(dataDir, SQLITE_FILE);
    await openStore(dataDir).close();
    open.length = 0;
    // The directory is open to the opener; only the file is not.
    chmodSync(dataDir, 0o777);
    chmodSync(file, 0o000);
    const opener = spawnStoreProcess(dataDir, 'close', { asUnprivileged: true });
    expect(await opener.exited).toBe(2);
    expect(opener.stderr()).toContain(`EACCES on ${file}: fix its permissions (the service needs read/write)`);
    chmodSync(file, 0o600);
    chmodSync(dataDir, 0o700);
  });

  it('when a database is damaged, then quick_check really sees it (the fixture is sound)', async () => {
    const dataDir = tempDir('kb-corrupt-');
    const file = await storeWithCorruptOutbox(dataDir);
    const db = new Database(file);
    const check = () => db.prepare<[], { quick_check: string }>('PRAGMA quick_check').all();
    let damaged: boolean;
    try {
      damaged = check().some((row) => row.quick_check !== 'ok');
    } catch {
      damaged = true;
    }
    db.close();
    expect(damaged).toBe(true);
  });
});
