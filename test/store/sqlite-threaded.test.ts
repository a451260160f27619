import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteStoreThread } from '../../src/store/sqlite/threaded-store.js';
import type { Store } from '../../src/store/store.js';
import { tempDir } from '../helpers/temp-dirs.js';
import { runStoreConformance } from './conformance/index.js';

// The same conformance suites against the store run in its own thread (what server.ts uses).
const root = tempDir('kb-store-thread-');
const dirs = new WeakMap<Store, string>();
let counter = 0;

runStoreConformance('sqlite in a store thread', {
  async open() {
    counter += 1;
    const dir = join(root, `db-${counter}`);
    const store = openSqliteStoreThread({ dataDir: dir });
    dirs.set(store, dir);
    return store;
  },
  async reopen(store) {
    const dir = dirs.get(store);
    if (!dir) throw new Error('unknown store');
    await store.close();
    const reopened = openSqliteStoreThread({ dataDir: dir });
    dirs.set(reopened, dir);
    return reopened;
  },
  async cleanup() {},
});

describe('the store thread', () => {
  it('when the database cannot be opened, then every call fails with the reason', async () => {
    // The data dir is an ordinary file: nothing can be created in it.
    const file = join(root, 'not-a-dir');
    writeFileSync(file, 'x');
    const store = openSqliteStoreThread({ dataDir: join(file, 'db') });
    await expect(store.ping()).rejects.toThrow();
    await expect(store.cache.get('k', new Date())).rejects.toThrow();
    await store.close();
  });

  it('when a statement fails in the thread, then the caller gets the error with its SQLite code', async () => {
    const store = openSqliteStoreThread({ dataDir: join(root, 'errors') });
    // A value JSON cannot hold is the caller's mistake: it surfaces as a rejected call, the thread lives on.
    await expect(store.cache.set('k', { big: 10n }, 1000, new Date())).rejects.toThrow();
    await store.cache.set('k', 'v', 60_000, new Date(0));
    expect(await store.cache.get('k', new Date(0))).toBe('v');
    await store.close();
    await expect(store.ping()).rejects.toThrow(/closed/);
  });
});

describe('the store thread codec', () => {
  it('when a call holds dates, undefined arguments and nested JSON, then they arrive as sent', async () => {
    const { decode, encode } = await import('../../src/store/sqlite/thread-codec.js');
    const at = new Date('2026-07-20T12:00:00.123Z');
    const value = { args: [undefined, at, { nested: [1, 'two', null, { when: at }] }], flag: true };
    const back = decode(encode(value)) as typeof value;
    expect(back.args[0]).toBeUndefined();
    expect(back.args[1]).toEqual(at);
    expect(back).toEqual(value);
  });
});
