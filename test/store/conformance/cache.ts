import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/store.js';
import type { StoreHarness } from './types.js';

export function cacheConformance(harness: StoreHarness): void {
  describe('cache', () => {
    let store: Store | undefined;
    afterEach(async () => {
      await store?.close();
      store = undefined;
    });

    it('when a value is set, then it is read back until it expires', async () => {
      store = await harness.open();
      const t0 = new Date('2026-01-01T00:00:00Z');
      await store.cache.set('segments', { ids: [1, 2] }, 60_000, t0);
      expect(await store.cache.get('segments', new Date(t0.getTime() + 59_999))).toEqual({ ids: [1, 2] });
      expect(await store.cache.get('segments', new Date(t0.getTime() + 60_000))).toBeUndefined();
    });

    it('when a key is set twice, then the second value and lifetime win', async () => {
      store = await harness.open();
      const t0 = new Date('2026-01-01T00:00:00Z');
      await store.cache.set('k', 'old', 1_000, t0);
      await store.cache.set('k', 'new', 10_000, t0);
      expect(await store.cache.get('k', new Date(t0.getTime() + 5_000))).toBe('new');
    });

    it('when entries expire, then purgeExpired removes exactly those', async () => {
      store = await harness.open();
      const t0 = new Date('2026-01-01T00:00:00Z');
      await store.cache.set('short', 1, 1_000, t0);
      await store.cache.set('long', 2, 100_000, t0);
      expect(await store.cache.purgeExpired(new Date(t0.getTime() + 2_000))).toBe(1);
      expect(await store.cache.get('long', new Date(t0.getTime() + 2_000))).toBe(2);
      await store.cache.delete('long');
      expect(await store.cache.get('long', t0)).toBeUndefined();
    });

    it('when the store restarts, then cached values survive', async () => {
      store = await harness.open();
      const t0 = new Date('2026-01-01T00:00:00Z');
      await store.cache.set('durable', { a: 1 }, 60_000, t0);
      store = await harness.reopen(store);
      expect(await store.cache.get('durable', t0)).toEqual({ a: 1 });
    });
  });
}
