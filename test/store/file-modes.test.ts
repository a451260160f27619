import { chmodSync, closeSync, openSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore, SQLITE_FILE } from '../../src/store/sqlite/open.js';
import type { Store } from '../../src/store/store.js';
import { tempDir } from '../helpers/temp-dirs.js';

const open: Store[] = [];
let umask: number;
beforeEach(() => {
  // The most permissive umask: the modes must not depend on the one the service is started with.
  umask = process.umask(0o000);
});
afterEach(async () => {
  process.umask(umask);
  for (const store of open.splice(0)) await store.close();
});

const mode = (path: string) => statSync(path).mode & 0o777;
const STORE_FILES = [SQLITE_FILE, `${SQLITE_FILE}-wal`, `${SQLITE_FILE}-shm`, 'klaviyo-bridge.lock'];

describe('file modes', () => {
  it('when the store creates its data directory, then the directory is 0700 and every store file 0600, whatever the umask', async () => {
    const dataDir = join(tempDir('kb-modes-'), 'nested', 'data');
    const store = openSqliteStore({ dataDir, minFreeBytes: 0 });
    open.push(store);
    await store.cache.set('k', 'v', 60_000, new Date());

    expect(mode(dataDir).toString(8)).toBe('700');
    for (const file of STORE_FILES) expect(mode(join(dataDir, file)).toString(8), file).toBe('600');
  });

  it('when store files exist with looser modes, then opening tightens them to 0600', async () => {
    const dataDir = tempDir('kb-modes-');
    await openSqliteStore({ dataDir, minFreeBytes: 0 }).close();
    chmodSync(join(dataDir, SQLITE_FILE), 0o644);
    closeSync(openSync(join(dataDir, 'klaviyo-bridge.lock'), 'a'));
    chmodSync(join(dataDir, 'klaviyo-bridge.lock'), 0o666);

    const store = openSqliteStore({ dataDir, minFreeBytes: 0 });
    open.push(store);
    for (const file of STORE_FILES) expect(mode(join(dataDir, file)).toString(8), file).toBe('600');
  });
});
