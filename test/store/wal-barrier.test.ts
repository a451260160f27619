import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { fsync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createWalBarrier } from '../../src/store/sqlite/wal-barrier.js';

/** An fsync whose completions the test releases by hand. */
function manualFsync() {
  const pending: Array<(error: NodeJS.ErrnoException | null) => void> = [];
  const impl = ((_fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
    pending.push(callback);
  }) as unknown as typeof fsync;
  return { impl, pending, completeNext: (error: NodeJS.ErrnoException | null = null) => pending.shift()?.(error) };
}

const settled = async (promise: Promise<unknown>) => {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
};

describe('WAL barrier', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kb-barrier-'));
  const wal = join(dir, 'db-wal');
  writeFileSync(wal, 'frames');

  it('when commits arrive while an fsync runs, then they share the next fsync, which starts only after it', async () => {
    const fs = manualFsync();
    const barrier = createWalBarrier(wal, fs.impl);
    const first = barrier.sync();
    const second = barrier.sync();
    const third = barrier.sync();
    expect(fs.pending).toHaveLength(1);
    expect(second).toBe(third);
    fs.completeNext();
    expect(await settled(first)).toBe(true);
    // The fsync under way may have started before the second commit: it must not count for it.
    expect(await settled(second)).toBe(false);
    expect(fs.pending).toHaveLength(1);
    fs.completeNext();
    expect(await settled(second)).toBe(true);
    barrier.close();
  });

  it('when an fsync fails, then its callers are rejected and the next sync tries again', async () => {
    const fs = manualFsync();
    const barrier = createWalBarrier(wal, fs.impl);
    const failing = barrier.sync();
    fs.completeNext(Object.assign(new Error('EIO'), { code: 'EIO' }));
    await expect(failing).rejects.toThrow('EIO');
    const retry = barrier.sync();
    fs.completeNext();
    await expect(retry).resolves.toBeUndefined();
    barrier.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
