import { afterAll, describe, expect, it } from 'vitest';
import { cacheConformance } from './cache.js';
import { jobRunsConformance } from './job-runs.js';
import { klaviyoConnectionConformance } from './klaviyo-connection.js';
import { outboxConformance } from './outbox.js';
import { privacyConformance } from './privacy.js';
import type { StoreHarness } from './types.js';
import { forwardsConformance } from './webhook-forwards.js';
import { inboxConformance } from './webhook-inbox.js';

/** Every sub-store's suite; each issue that adds a sub-store adds its suite here. */
const suites: Array<(harness: StoreHarness) => void> = [cacheConformance, jobRunsConformance, inboxConformance, forwardsConformance, outboxConformance, privacyConformance, klaviyoConnectionConformance];

export function runStoreConformance(backend: string, harness: StoreHarness): void {
  describe(`store conformance: ${backend}`, () => {
    afterAll(() => harness.cleanup());

    it('when opened, then it answers ping and reports its migrations', async () => {
      const store = await harness.open();
      await store.ping();
      const versions = await store.appliedMigrations();
      expect(versions.length).toBeGreaterThan(0);
      expect(versions).toEqual([...versions].sort((a, b) => a - b));
      await store.close();
    });

    it('when reopened several times, then migrations are applied once and data is kept', async () => {
      let store = await harness.open();
      const before = await store.appliedMigrations();
      await store.cache.set('kept', 'yes', 60_000, new Date(0));
      store = await harness.reopen(store);
      store = await harness.reopen(store);
      expect(await store.appliedMigrations()).toEqual(before);
      expect(await store.cache.get('kept', new Date(0))).toBe('yes');
      await store.close();
    });

    for (const suite of suites) suite(harness);
  });
}
