import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite/open.js';
import type { Store } from '../../src/store/store.js';
import { tempDir } from '../helpers/temp-dirs.js';
import { spawnStoreProcess, type StoreProcess } from './support/store-process-runner.js';

const open: Store[] = [];
const children: StoreProcess[] = [];
afterEach(async () => {
  for (const store of open.splice(0)) await store.close();
  for (const { child, exited } of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  }
});

const openStore = (dataDir: string) => {
  const store = openSqliteStore({ dataDir });
  open.push(store);
  return store;
};

const spawnTracked = (dataDir: string, mode: 'hold' | 'close') => {
  const proc = spawnStoreProcess(dataDir, mode);
  children.push(proc);
  return proc;
};

describe('one process per store', () => {
  it('when another process opens a DATA_DIR this process holds, then it exits non-zero naming DATA_DIR and the holder', { timeout: 30_000 }, async () => {
    const dataDir = tempDir('kb-lock-');
    openStore(dataDir);

    const second = spawnTracked(dataDir, 'close');
    expect(await second.exited).toBe(2);
    expect(second.stdout()).not.toContain('opened');
    expect(second.stderr()).toContain(dataDir);
    expect(second.stderr()).toMatch(/another process holds it/);
  });

  it('when the holder closes the store, then another process opens it', { timeout: 30_000 }, async () => {
    const dataDir = tempDir('kb-lock-');
    const store = openStore(dataDir);
    await store.cache.set('written-by', 'first', 60_000, new Date());
    await store.close();

    const second = spawnTracked(dataDir, 'close');
    expect(await second.exited).toBe(0);
    expect(second.stdout()).toContain('opened');
  });

  it('when the holder is SIGKILLed, then its lock goes with it (the lock file left behind does not block)', { timeout: 30_000 }, async () => {
    const dataDir = tempDir('kb-lock-');
    const holder = spawnTracked(dataDir, 'hold');
    await vi.waitFor(() => expect(holder.stdout()).toContain('opened'), { timeout: 15_000, interval: 20 });

    expect(() => openSqliteStore({ dataDir })).toThrow(/another process holds it/);

    holder.child.kill('SIGKILL');
    expect(await holder.exited).toBeNull();
    // What the dead process left on disk is no lock: only a live holder's OS-level lock is.
    expect(existsSync(join(dataDir, 'klaviyo-bridge.lock'))).toBe(true);
    const store = openStore(dataDir);
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it('when a second store is opened on the same DATA_DIR inside this process, then it is refused too, and works once the first closes', () => {
    const dataDir = tempDir('kb-lock-');
    const first = openSqliteStore({ dataDir });
    expect(() => openSqliteStore({ dataDir })).toThrow(new RegExp(`DATA_DIR ${dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    return first.close().then(() => {
      openStore(dataDir);
    });
  });
});
