import { statfsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite/open.js';
import type { Store } from '../../src/store/store.js';
import { tempDir } from '../helpers/temp-dirs.js';

const open: Store[] = [];
afterEach(async () => {
  for (const store of open.splice(0)) await store.close();
});

const freeBytes = (dir: string) => {
  const stats = statfsSync(dir);
  return stats.bavail * stats.bsize;
};

describe('store health', () => {
  it('when the store is open and the disk has room, then health is ok (and ping still answers)', async () => {
    const store = openSqliteStore({ dataDir: tempDir('kb-health-'), minFreeBytes: 0 });
    open.push(store);
    expect(await store.health()).toEqual({ ok: true });
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it('when free space on the DATA_DIR filesystem is under the floor, then health fails naming the directory, the free space and the floor', async () => {
    const dataDir = tempDir('kb-health-');
    const floor = freeBytes(dataDir) + 1024 ** 4; // a TiB more than there is
    const store = openSqliteStore({ dataDir, minFreeBytes: floor });
    open.push(store);
    const health = await store.health();
    expect(health.ok).toBe(false);
    expect(health.detail).toContain(dataDir);
    expect(health.detail).toMatch(/free/);
    expect(health.detail).toContain(`${Math.round(floor / 1024 ** 2)} MB`);
  });

  it('when no floor is given, then the default is 100 MB', async () => {
    const dataDir = tempDir('kb-health-');
    const store = openSqliteStore({ dataDir });
    open.push(store);
    const expected = freeBytes(dataDir) >= 100 * 1024 ** 2 ? { ok: true } : { ok: false, detail: expect.stringContaining('100 MB') };
    expect(await store.health()).toEqual(expected);
  });

  it('when the store is closed, then health fails instead of throwing', async () => {
    const store = openSqliteStore({ dataDir: tempDir('kb-health-'), minFreeBytes: 0 });
    await store.close();
    expect(await store.health()).toMatchObject({ ok: false, detail: expect.stringMatching(/closed/) });
  });
});
