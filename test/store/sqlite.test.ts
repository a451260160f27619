import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite/open.js';
import type { Store } from '../../src/store/store.js';
import { runStoreConformance } from './conformance/index.js';

const root = mkdtempSync(join(tmpdir(), 'kb-store-'));
const dirs = new WeakMap<Store, string>();
let counter = 0;

runStoreConformance('sqlite', {
  async open() {
    counter += 1;
    const dir = join(root, `db-${counter}`);
    const store = openSqliteStore({ dataDir: dir });
    dirs.set(store, dir);
    return store;
  },
  async reopen(store) {
    const dir = dirs.get(store);
    if (!dir) throw new Error('unknown store');
    await store.close();
    const reopened = openSqliteStore({ dataDir: dir });
    dirs.set(reopened, dir);
    return reopened;
  },
  async cleanup() {
    rmSync(root, { recursive: true, force: true });
  },
});
